"""Widgets of the workbench app; each draws a view-model from `workbench.tui.viewmodel`."""
