"""Stories: grouping articles into news topics, choosing and summarising them."""
