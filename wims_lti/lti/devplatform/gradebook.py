"""The LMS gradebook the tests read: one entry per (line item, user)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

from .model import GradebookEntry, LineItem, ResourceLink

LineItemRef = LineItem | ResourceLink | int | str

_ID_IN_URL = re.compile(r"/(?:lineitems|line_items)/(\d+)(?:/lineitem)?(?:[/?]|$)")


def line_item_id(ref: LineItemRef) -> int:
    """Accept a LineItem, a resource link with a declared item, an id, or the AGS line item URL."""
    if isinstance(ref, LineItem):
        return ref.id
    if isinstance(ref, ResourceLink):
        if ref.line_item_id is None:
            raise KeyError(f"resource link {ref.id} declares no line item")
        return ref.line_item_id
    if isinstance(ref, int):
        return ref
    match = _ID_IN_URL.search(ref)
    if not match:
        raise KeyError(f"not a line item URL: {ref}")
    return int(match.group(1))


class Gradebook:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._entries: dict[tuple[int, str], GradebookEntry] = {}

    def __getitem__(self, key: tuple[LineItemRef, str]) -> GradebookEntry:
        ref, sub = key
        with self._lock:
            return self._entries[(line_item_id(ref), sub)]

    def get(self, ref: LineItemRef, sub: str) -> GradebookEntry | None:
        with self._lock:
            return self._entries.get((line_item_id(ref), sub))

    def __contains__(self, key: tuple[LineItemRef, str]) -> bool:
        return self.get(*key) is not None

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[tuple[int, str]]:
        with self._lock:
            return iter(list(self._entries))

    def entry(self, item_id: int, sub: str) -> GradebookEntry:
        """The entry to update, created empty on first use."""
        with self._lock:
            return self._entries.setdefault((item_id, sub), GradebookEntry(item_id, sub))

    def for_line_item(self, item_id: int) -> list[GradebookEntry]:
        with self._lock:
            return [entry for (li, _), entry in self._entries.items() if li == item_id]

    def drop_line_item(self, item_id: int) -> None:
        with self._lock:
            for key in [key for key in self._entries if key[0] == item_id]:
                del self._entries[key]
