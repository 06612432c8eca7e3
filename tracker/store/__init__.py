"""The project on disk: where files live, reading them as data, and writing them safely.

- `layout`: the folders and names of a project, and finding its root;
- `files`: bounded reads, atomic writes, locks;
- `toml_read`, `toml_write`: TOML in and out, with lines for findings;
- `reader`: one file (evidence, paper, configuration) to a validated model or findings;
- `writer`: saving, moving and deleting evidence without losing a word.

Plain, single-process code: the caches and worker processes that make a large project fast
wrap it from outside (`tracker.speed`) and can be switched off.
"""
