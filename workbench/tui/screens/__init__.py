"""The screens: Node (the grid), Draft (editor + live preview), Commit, Journal, Help."""
