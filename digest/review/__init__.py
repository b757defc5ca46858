"""Review: the edit model of `digest review`, its web app, the translation memory's export."""
