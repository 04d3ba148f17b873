from workbench.cli.launch import run

raise SystemExit(run())
