"""SQLite journal: intent before write, read back, confirm or roll back."""
