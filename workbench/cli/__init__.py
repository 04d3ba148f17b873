"""The `workbench` command: thin shells over the core, text for people, JSON for scripts."""
