"""Score arithmetic of 4.29a's getsheetscores / getsheetstats / getscore / getexamscores.

Checked against real replies: with exercises requiring [10, 10] and a user who got [10, 0] in one
try, WIMS reports percent 50, quality 10, best 50, level 100 (quality and level are means over the
exercises the user tried).
"""

from __future__ import annotations

from dataclasses import dataclass

from .state import SCOREMAX, ExoWork, Sheet, User


def _num(text: str, default: float = 0) -> float:
    try:
        return float(text)
    except ValueError:
        return default


def requires(sheet: Sheet) -> list[float]:
    return [_num(exo.points, 10) for exo in sheet.exos]


def weights(sheet: Sheet) -> list[float]:
    return [_num(exo.weight, 1) for exo in sheet.exos]


def work_of(user: User, sheet_id: int, sheet: Sheet) -> list[ExoWork]:
    work = list(user.sheet_work.get(sheet_id, []))
    return (work + [ExoWork() for _ in sheet.exos])[: len(sheet.exos)]


@dataclass
class SheetSummary:
    percent: float
    quality: float
    best: float
    level: float
    work: list[ExoWork]
    required: list[float]

    @property
    def remain(self) -> list[float]:
        return [max(req - w.got, 0) for req, w in zip(self.required, self.work, strict=True)]


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0


def summarize(user: User, sheet_id: int, sheet: Sheet) -> SheetSummary:
    work = work_of(user, sheet_id, sheet)
    required, wts = requires(sheet), weights(sheet)
    total = sum(wts)

    def weighted_percent(values: list[float]) -> float:
        if not total:
            return 0
        ratios = [w * min(v / r, 1) if r else 0 for v, r, w in zip(values, required, wts, strict=True)]
        return 100 * sum(ratios) / total

    tried = [w for w in work if w.tries > 0]
    return SheetSummary(
        percent=weighted_percent([w.got for w in work]),
        quality=mean([w.mean for w in tried]),
        best=weighted_percent([w.best for w in work]),
        level=mean([w.level * 100 / SCOREMAX for w in tried]),
        work=work,
        required=required,
    )


def work_for_percent(sheet: Sheet, percent: float, tries: int, quality: float | None) -> list[ExoWork]:
    """Per-exercise work giving `percent` on every exercise of the sheet."""
    got = [req * percent / 100 for req in requires(sheet)]
    return work_for_points(sheet, got, tries, quality)


def work_for_points(sheet: Sheet, got: list[float], tries: int, quality: float | None) -> list[ExoWork]:
    work = []
    for points, req in zip(got, requires(sheet), strict=True):
        level = SCOREMAX * min(points / req, 1) if req else 0
        done = tries if points > 0 else 0
        work.append(
            ExoWork(
                got=points,
                mean=(quality if quality is not None else level) if done else 0,
                best=points,
                level=level,
                last=points,
                tries=done,
            )
        )
    return work
