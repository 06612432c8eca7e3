"""Each evidence file's identity as the load cache keys it: one number made of the stat of the
file and of its archived copy (size, modification time in ns, inode), and the newer of their
two modification times (what tells a racy row, `filecache`).

Only the standard library: the head start computes them in its forked process, beside the
listing, so that the command's own process does not.
"""

from __future__ import annotations

from tracker.store.listing import Listing

# (stamp, newest modification time in seconds); the head start hands them over as lists
Stamp = tuple[int, float]


def stamps(listing: Listing) -> dict[str, Stamp]:
    """The stamp of every `*.toml` file the listing stat'ed (not a link, not gone)."""
    stat_of = listing.stats
    get = stat_of.get
    out: dict[str, Stamp] = {}
    for rel, own in stat_of.items():
        if own[0] < 0 or not rel.endswith(".toml"):
            continue
        archive = get(rel[:-5] + ".txt")
        if archive is None:
            out[rel] = (hash(own), own[1] / 1e9)
        else:
            out[rel] = (hash((own, archive)), max(own[1], archive[1]) / 1e9)
    return out
