"""What is below `evidence/`: every entry, sorted, with each file's stat where asked.

Kept free of the models (only the standard library), so that the speed layer can run it in a
forked process while the command is still importing them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

EVIDENCE_DIR = "evidence"


@dataclass
class Listing:
    """Every entry below `evidence/` (paths relative to the root, posix, sorted), the symbolic
    links among them (recorded, never followed), and each entry's stat identity where a
    caller asked for it (size, mtime in ns, inode; (-1, -1, -1): gone since the listing)."""

    files: list[str] = field(default_factory=list)
    links: set[str] = field(default_factory=set)
    stats: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def list_evidence(root: Path, *, stat: bool = False, share: tuple[int, int] = (0, 1)) -> Listing:
    """Every entry below `evidence/`, sorted, so every run and every machine sees one order.

    Links are recorded and never followed: a link could point outside the project.
    `share` (k, n): only the k-th of every n folders directly below `evidence/` (in name
    order), and the entries of `evidence/` itself only for k = 0: n processes list a large
    project between them, and their listings joined are the whole one.
    """
    base = os.path.join(root, EVIDENCE_DIR)
    out = Listing()
    stack = [(base, EVIDENCE_DIR + "/")]
    mine, count = share
    files, links, stats = out.files, out.links, out.stats
    while stack:
        folder, here = stack.pop()
        top = folder == base
        try:
            with os.scandir(folder) as entries:
                if top and count > 1:
                    listed = sorted(entries, key=lambda e: e.name)
                    folders = [e for e in listed if e.is_dir(follow_symlinks=False)]
                    keep = {e.name for e in folders[mine::count]}
                    entries_here = [
                        e
                        for e in listed
                        if e.name in keep or (mine == 0 and not e.is_dir(follow_symlinks=False))
                    ]
                else:
                    entries_here = entries
                for entry in entries_here:
                    name = entry.name
                    if name == ".gitkeep":  # keeps an empty folder in git; not data
                        continue
                    rel = here + name
                    if entry.is_symlink():
                        files.append(rel)
                        links.add(rel)
                    elif entry.is_dir(follow_symlinks=False):
                        stack.append((entry.path, rel + "/"))
                    else:
                        files.append(rel)
                        if stat:
                            try:
                                st = entry.stat(follow_symlinks=False)
                                stats[rel] = (st.st_size, st.st_mtime_ns, st.st_ino)
                            except OSError:
                                stats[rel] = (-1, -1, -1)
        except OSError:
            continue
    out.files.sort()
    return out
