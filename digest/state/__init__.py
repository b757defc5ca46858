"""State: the SQLite database shared by the stages."""
