"""Publishing: rendering issues, the static site, the archive of built issues, search."""
