"""The workbench's screens: main (tree and detail), evidence, form, and small dialogs."""
