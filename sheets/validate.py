"""Raw cell values → a validated Dataset and a list of problems (pure: no network, no clock).

The rules of docs/figures.md, "Which rows count": every cell is parsed by its column's parser; a row with an
error is left out of every figure and reported with its tab and A1 cell; every other row counts.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from sheets import categories
from sheets.backends.base import RawTabs
from sheets.columns import BoolArray, ParsedColumn, ParsedTab, find_tab, read_tab, report_cells
from sheets.dataset import (
    AGE_BANDS,
    AGE_LIMITS,
    NO_DATE,
    SUPPORT_KEYS,
    Categories,
    Costs,
    Dataset,
    DateColumn,
    LeftOutInsats,
    Participants,
    caseworker_key,
)
from sheets.problems import Text
from sheets.schemas import (
    DeltagareRow,
    EkonomiRow,
    HistorikRow,
    InsatsRow,
    PersonalRow,
    SheetRow,
)
from sheets.spelling import closest
from sheets.values import LONG_TEXT_LIMIT, CellValueError, normalize_key, normalize_words

# Ages at enrolment outside this range are unusual for Finsam and probably a typo (a warning).
AGE_MIN, AGE_MAX = 16, 67
# Codes longer than this are not repeated in messages (a paste gone wrong would fill the reply).
_QUOTE_LIMIT = 40


def load_dataset(
    tabs: RawTabs, *, url: str | None = None, loaded_at: datetime | None = None
) -> Dataset:
    """Validate every tab of `tabs` and return the Dataset of valid rows with all problems.

    Never raises on what is in the cells: a missing tab, a missing column or a bad cell becomes a
    Problem, and the rest of the sheet still counts.
    """
    insatser_tab, deltagare_tab, ekonomi_tab, personal_tab, historik_tab = _read_in_sheet_order(
        tabs, (InsatsRow, DeltagareRow, EkonomiRow, PersonalRow, HistorikRow)
    )

    insatser, all_codes = _check_insatser(insatser_tab)
    valid_codes = {normalize_key(row.kod): i for i, row in enumerate(insatser)}
    participants, date_columns, taken = _check_deltagare(deltagare_tab, valid_codes, all_codes)
    costs = _check_ekonomi(ekonomi_tab, valid_codes, all_codes)
    for tab in (personal_tab, historik_tab):
        report_cells(tab)

    parsed = (insatser_tab, deltagare_tab, ekonomi_tab, personal_tab, historik_tab)
    problems = tuple(problem for tab in parsed for problem in tab.problems)
    rows_left_out = sum(
        int((tab.bad & ~tab.skipped).sum()) for tab in (insatser_tab, deltagare_tab, ekonomi_tab)
    )
    return Dataset(
        insatser=tuple(insatser),
        participants=participants,
        costs=costs,
        staff=tuple(_models(personal_tab)),
        history=tuple(_models(historik_tab)),
        problems=problems,
        rows_left_out=rows_left_out,
        all_codes=tuple(all_codes),
        date_columns=date_columns,
        loaded_at=loaded_at,
        url=url,
        header_rows=_header_rows(parsed),
        insatser_left_out=_insatser_left_out(insatser_tab, taken),
        personal_tab=personal_tab.title,
        historik_tab=historik_tab.title,
    )


def _read_in_sheet_order(tabs: RawTabs, models: Sequence[type[SheetRow]]) -> list[ParsedTab]:
    """Return `read_tab` of each of `models`, in that order.

    The tabs are read in the order the sheet has them, which is the order a backend that
    decodes rows as they are read (`ChunkedRows`) decodes them in: read in another order, the
    rows of the tabs passed over would all be made and kept until their turn.
    """
    titles = list(tabs)
    place = {model: _place(titles, model) for model in models}
    read = {model: read_tab(tabs, model) for model in sorted(models, key=place.__getitem__)}
    return [read[model] for model in models]


def _place(titles: list[str], model: type[SheetRow]) -> int:
    title = find_tab(titles, model)
    return titles.index(title) if title is not None else len(titles)


def _header_rows(tabs: Sequence[ParsedTab]) -> dict[str, int]:
    """Return tab title → 1-based header row, for the tabs read whose headers are not on their
    first non-empty row."""
    return {
        tab.title: tab.header.index + 1
        for tab in tabs
        if tab.usable and tab.title and tab.header and tab.header.index != tab.header.first_filled
    }


def _insatser_left_out(tab: ParsedTab, taken: dict[str, int]) -> tuple[LeftOutInsats, ...]:
    """Return the insatser whose own row has an error, one per code, in sheet order.

    `taken` counts, per code key, the participant rows left out only because of their insats.
    """
    if not tab.usable:
        return ()
    codes = tab.columns["kod"]
    seen: set[str] = set()
    left_out: list[LeftOutInsats] = []
    for position in np.flatnonzero(tab.bad & ~tab.skipped).tolist():
        code = codes.value(position)
        if code is not None and len(code) > LONG_TEXT_LIMIT:
            code = None  # a paste gone wrong is no code to show
        rows = 0  # no participant row can name an unusable code
        if code is not None:
            key = normalize_key(code)
            if key in seen:
                continue  # a repeated code: one entry, at its first row
            seen.add(key)
            rows = taken.get(key, 0)
        left_out.append(LeftOutInsats(code, tab.cell("kod", position), rows))
    return tuple(left_out)


def _models(tab: ParsedTab) -> list[Any]:
    """Return a model instance for every valid row of a small tab."""
    if not tab.usable:
        return []
    values = {name: column.values() for name, column in tab.columns.items()}
    return [
        tab.model.model_construct(**{name: values[name][i] for name in values})
        for i in np.flatnonzero(tab.valid)
    ]


def suggest_code(code: str, codes: Sequence[str]) -> str | None:
    """Return the existing code closest to `code`, or None when nothing is close.

    Codes longer than a code can be (a paste gone wrong) are never suggested nor looked for:
    comparing them would take seconds, and quoting them would fill the reply.
    """
    if len(code) > _QUOTE_LIMIT:
        return None
    short = [c for c in codes if len(c) <= _QUOTE_LIMIT]
    typo = closest(code, short)  # one letter off or two swapped: RSEAM is RESAM, not SESAM
    if typo is not None:
        return typo
    by_key = {normalize_key(c): c for c in short}
    match = difflib.get_close_matches(normalize_key(code), list(by_key), n=1, cutoff=0.6)
    return by_key[match[0]] if match else None


def _check_insatser(tab: ParsedTab) -> tuple[list[InsatsRow], list[str]]:
    if not tab.usable:
        return [], []
    report_cells(tab)
    codes = tab.columns["kod"].values()
    keys = [normalize_key(code) if code else None for code in codes]
    live = ~tab.skipped
    seen: dict[str, list[int]] = {}
    for position, key in enumerate(keys):
        if key is not None and live[position]:
            seen.setdefault(key, []).append(position)
    for positions in seen.values():
        if len(positions) > 1:
            code = _quoted(codes[positions[0]])
            tab.report(
                "kod",
                positions,
                Text(
                    sv=f"Koden {code}finns på {len(positions)} rader.",
                    en=f"The code {code}appears on {len(positions)} rows.",
                ),
                Text(
                    sv="Ge varje insats en egen kod, eller ta bort dubbletten.",
                    en="Give each insats its own code, or delete the duplicate.",
                ),
            )
    starts = tab.columns["start"].values()
    if "slut" in tab.columns:
        ends = tab.columns["slut"].values()
        before = [i for i, (s, e) in enumerate(zip(starts, ends, strict=True)) if s and e and e < s]
        tab.report(
            "slut",
            before,
            Text(sv="Slut ligger före Start.", en="End is before Start."),
            Text(sv="Rätta Start eller Slut.", en="Correct Start or End."),
        )
    all_codes = [codes[positions[0]] for positions in seen.values() if codes[positions[0]]]
    return _models(tab), all_codes


def _quoted(code: str) -> str:
    """Return `code` and a space, to name it in a message, or "" when it is too long to quote."""
    return f"{code} " if len(code) <= _QUOTE_LIMIT else ""


def _ordinals(tab: ParsedTab, name: str) -> npt.NDArray[np.int64]:
    if name not in tab.columns:
        return np.full(len(tab), NO_DATE, dtype=np.int64)
    return tab.columns[name].map(lambda day: day.toordinal() if day else NO_DATE, np.int64)


def _codes(tab: ParsedTab, name: str, keys: Sequence[str], missing: int) -> npt.NDArray[np.int8]:
    """Return the index of each row's category in `keys` (`missing` when blank or bad)."""
    if name not in tab.columns:
        return np.full(len(tab), missing, dtype=np.int8)
    index = {key: i for i, key in enumerate(keys)}
    return tab.columns[name].map(
        lambda value: index.get(value, missing) if value else missing, np.int8
    )


def _check_deltagare(
    tab: ParsedTab, valid_codes: dict[str, int], all_codes: Sequence[str]
) -> tuple[Participants, tuple[DateColumn, ...], dict[str, int]]:
    """Check the Deltagare tab; return the participants, their date columns, and per insats code
    key the rows valid on their own that are left out because their insats's row has errors."""
    if not tab.usable:
        return Participants.empty(), (), {}
    # A felregistrering row is skipped before any other check: neither counted nor reported.
    if "avslutsorsak" in tab.columns:
        tab.skipped |= tab.columns["avslutsorsak"].mask(lambda value: value == categories.MISTAKE)
    report_cells(tab)

    # Insats code → index of a valid insats; -1 unknown; -2 an insats whose own row has errors.
    known = {normalize_key(code) for code in all_codes}

    def insats_index(code: str | None) -> int:
        if code is None:
            return -1
        key = normalize_key(code)
        return valid_codes.get(key, -2 if key in known else -1)

    insats_column = tab.columns["insats"]
    insats = insats_column.map(insats_index, np.int64)
    has_code = insats_column.map(lambda code: code is not None, bool)
    for position in np.flatnonzero((insats == -1) & has_code).tolist():
        suggestion = suggest_code(insats_column.value(position), all_codes)
        hint_sv = f" Menade du {suggestion}?" if suggestion else ""
        hint_en = f" Did you mean {suggestion}?" if suggestion else ""
        tab.report(
            "insats",
            [position],
            Text(
                sv="Insatsen finns inte på fliken Insatser." + hint_sv,
                en="The insats is not on the Insatser tab." + hint_en,
            ),
            Text(
                sv="Skriv en kod från fliken Insatser, eller lägg till insatsen där.",
                en="Write a code from the Insatser tab, or add the insats there.",
            ),
        )

    # The same Deltagar-ID twice within one insats: every such row is an error.
    tab.report(
        "deltagar_id",
        _repeated_ids(tab),
        Text(
            sv="Samma Deltagar-ID finns flera gånger i samma insats.",
            en="The same Participant ID appears more than once in the same insats.",
        ),
        Text(
            sv="Ge varje deltagare ett eget ID, eller ta bort den dubblerade raden.",
            en="Give each participant their own ID, or delete the duplicated row.",
        ),
    )

    enrolled = _ordinals(tab, "inskriven")
    exited = _ordinals(tab, "avslutad")
    reason = _codes(tab, "avslutsorsak", categories.EXIT_REASONS, -1)
    has_exit = exited != NO_DATE
    nowhere = np.zeros(len(tab), dtype=bool)
    reasons, exits = tab.columns.get("avslutsorsak"), tab.columns.get("avslutad")
    reason_bad = reasons.bad() if reasons is not None else nowhere
    has_reason = ~reasons.blank() & ~reason_bad if reasons is not None else nowhere
    exit_bad = exits.bad() if exits is not None else nowhere
    column = "avslutsorsak" if "avslutsorsak" in tab.columns else "avslutad"
    tab.report(
        column,
        np.flatnonzero(has_exit & ~has_reason & ~reason_bad),
        Text(
            sv="Avslutsorsak saknas fast Avslutad är ifylld.",
            en="Exit reason is missing although Exited is filled in.",
        ),
        Text(
            sv="Fyll i avslutsorsak: arbete, studier, arbetssökande eller övrigt.",
            en="Fill in the exit reason: arbete, studier, arbetssökande or övrigt.",
        ),
    )
    if "avslutsorsak" in tab.columns:
        tab.report(
            "avslutsorsak",
            np.flatnonzero(has_reason & ~has_exit & ~exit_bad),
            Text(
                sv="Avslutsorsak är ifylld men Avslutad saknas.",
                en="Exit reason is filled in but Exited is missing.",
            ),
            Text(
                sv="Fyll i datumet i Avslutad, eller töm Avslutsorsak om deltagaren är kvar.",
                en="Fill in the Exited date, or clear the exit reason if the participant is still in.",
            ),
        )
    if "avslutad" in tab.columns:
        tab.report(
            "avslutad",
            np.flatnonzero(has_exit & (enrolled != NO_DATE) & (exited < enrolled)),
            Text(sv="Avslutad ligger före Inskriven.", en="Exited is before Enrolled."),
            Text(sv="Rätta Inskriven eller Avslutad.", en="Correct Enrolled or Exited."),
        )

    age_band = np.full(len(tab), len(AGE_BANDS) - 1, dtype=np.int8)
    if "fodelsear" in tab.columns:
        birth = tab.columns["fodelsear"].map(lambda y: y or 0, np.int64)
        enrol_year = (
            tab.columns["inskriven"].map(lambda day: day.year if day else 0, np.int64)
            if "inskriven" in tab.columns
            else np.zeros(len(tab), dtype=np.int64)
        )
        age = np.where((birth > 0) & (enrolled != NO_DATE), enrol_year - birth, -1)
        known_age = age >= AGE_LIMITS[0]
        age_band = np.where(
            known_age, np.searchsorted(AGE_LIMITS, age, side="right") - 1, len(AGE_BANDS) - 1
        ).astype(np.int8)
        tab.report(
            "fodelsear",
            np.flatnonzero((age != -1) & ((age < AGE_MIN) | (age > AGE_MAX))),
            Text(
                sv=f"Åldern vid inskrivning är under {AGE_MIN} eller över {AGE_MAX} år.",
                en=f"The age at enrolment is under {AGE_MIN} or over {AGE_MAX}.",
            ),
            Text(sv="Kontrollera Födelseår och Inskriven.", en="Check Birth year and Enrolled."),
            severity="warning",
        )

    keep = tab.valid & (insats >= 0)
    rows = tab.rows[keep]  # one array for the participants and both date columns
    participants = Participants(
        insats=insats[keep].astype(np.int16),
        gender=_codes(tab, "kon", categories.GENDERS, 0)[keep],
        age_band=age_band[keep],
        support=_codes(tab, "forsorjning", SUPPORT_KEYS, len(SUPPORT_KEYS) - 1)[keep],
        enrolled=enrolled[keep],
        exited=exited[keep],
        reason=reason[keep].astype(np.int8),
        row=rows,
        kommun=_categories(tab, "kommun", normalize_words, keep),
        caseworker=_categories(tab, "handlaggare", caseworker_key, keep),
    )
    date_columns = tuple(
        DateColumn(
            tab.tab_name,
            tab.column_positions[name],
            _header(tab, name),
            rows,
            ordinals[keep],
        )
        for name, ordinals in (("inskriven", enrolled), ("avslutad", exited))
        if name in tab.columns
    )
    taken = Counter(
        normalize_key(insats_column.value(position))
        for position in np.flatnonzero(tab.valid & (insats == -2)).tolist()
    )
    return participants, date_columns, dict(taken)


def _repeated_ids(tab: ParsedTab) -> npt.NDArray[np.intp]:
    """Return the positions of live rows whose Deltagar-ID appears again in the same insats.

    Codes and IDs compare as `normalize_key` has them; rows without either are never repeats.
    Each live row's pair of insats and ID is first reduced to one number, from the two keys'
    hashes: equal pairs get equal numbers, so one sort of the numbers finds every repeat among
    a few suspects (a different pair may share a number by chance), which are then compared
    exactly. The same ID in many insatser (IDs such as ``2026-17``) makes no suspects.
    """
    insats, deltagar_id = tab.columns["insats"], tab.columns["deltagar_id"]
    code_hashes, has_code = _key_hashes(insats)
    id_hashes, has_id = _key_hashes(deltagar_id)
    live = np.flatnonzero(~tab.skipped & has_code & has_id)
    # Wrapping arithmetic: only equality matters, and equal pairs stay equal.
    pair_numbers = id_hashes[live] * np.int64(1_000_003) + code_hashes[live]
    order = np.argsort(pair_numbers)
    same = np.flatnonzero(pair_numbers[order[1:]] == pair_numbers[order[:-1]])
    if not same.size:
        return np.zeros(0, dtype=np.intp)
    suspects = np.sort(live[order[np.union1d(same, same + 1)]]).tolist()
    pairs = [
        (normalize_key(insats.value(position)), normalize_key(deltagar_id.value(position)))
        for position in suspects
    ]
    times = Counter(pairs)
    return np.array(
        [position for position, pair in zip(suspects, pairs, strict=True) if times[pair] > 1],
        dtype=np.intp,
    )


def _key_hashes(column: ParsedColumn) -> tuple[npt.NDArray[np.int64], BoolArray]:
    """Return the hash of every cell's `normalize_key` (of "" when the cell is blank or bad),
    and whether the cell has a key at all, for a column read with `parse_text` (or a parser
    built on it, whose texts are stripped already: the key is the text casefolded)."""
    usable = ~column.blank_results & ~column.bad_results
    texts = list(column.results)
    for position in np.flatnonzero(~usable).tolist():
        texts[position] = ""
    # Mapped in C: an ID column has as many distinct texts as rows.
    hashes = np.fromiter(map(hash, map(str.casefold, texts)), dtype=np.int64, count=len(texts))
    return hashes[column.index], usable[column.index]


def _header(tab: ParsedTab, name: str) -> Text:
    column = tab.model.columns()[name]
    return Text(sv=column.sv, en=column.en)


def _categories(tab: ParsedTab, name: str, key: Any, keep: BoolArray) -> Categories:
    """Return a text column of the kept rows as Categories, each distinct cell mapped by `key`
    once (the column holds each distinct value once: `ParsedColumn`)."""
    if name not in tab.columns:
        return Categories.of([None] * int(keep.sum()))
    column = tab.columns[name]
    mapped = [
        key(value) if value and not isinstance(value, CellValueError) else None
        for value in column.results
    ]
    used = np.flatnonzero(np.bincount(column.index[keep], minlength=len(column.results)))
    values = tuple(sorted({text for text in map(mapped.__getitem__, used) if text is not None}))
    position = {value: i for i, value in enumerate(values)}
    distinct = np.array(
        [-1 if text is None else position.get(text, -1) for text in mapped], dtype=np.int32
    )
    return Categories(distinct[column.index[keep]], values)


def _check_ekonomi(
    tab: ParsedTab, valid_codes: dict[str, int], all_codes: Sequence[str]
) -> Costs | None:
    if not tab.usable:
        # No Ekonomi tab at all means "costs not tracked" (cost_ytd is null), not zero.
        return None if tab.title is None else _cost_frame([], [], [])
    report_cells(tab)
    known = {normalize_key(code) for code in all_codes}
    codes = tab.columns["insats"].values()
    index: list[int] = []
    for position, code in enumerate(codes):
        key = normalize_key(code) if code else None
        if key is not None and key not in known:
            suggestion = suggest_code(key, all_codes)
            tab.report(
                "insats",
                [position],
                Text(
                    sv=f"Insatsen {_quoted(code)}finns inte på fliken Insatser."
                    + (f" Menade du {suggestion}?" if suggestion else ""),
                    en=f"The insats {_quoted(code)}is not on the Insatser tab."
                    + (f" Did you mean {suggestion}?" if suggestion else ""),
                ),
                Text(
                    sv="Skriv en kod från fliken Insatser.",
                    en="Write a code from the Insatser tab.",
                ),
            )
        index.append(valid_codes.get(key, -1) if key else -1)
    months = tab.columns["manad"].map(lambda day: day.toordinal() if day else 0, np.int64)
    amounts = tab.columns["belopp"].map(lambda amount: amount or 0.0, np.float64)
    insats = np.array(index, dtype=np.int64)
    keep = tab.valid & (insats >= 0)
    return _cost_frame(insats[keep], months[keep], amounts[keep])


def _cost_frame(index: Any, months: Any, amounts: Any) -> Costs:
    return Costs(
        insats=np.asarray(index, dtype=np.int16),
        month=np.asarray(months, dtype=np.int64),
        amount=np.asarray(amounts, dtype=np.float64),
    )
