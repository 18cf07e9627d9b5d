"""Row-by-row checking of one resource against its Table Schema, matching frictionless 5.21.

Rows are buffered into chunks. A chunk whose rows all have the expected number of cells and none
of which is blank is checked column by column with each field's fast ``column`` check; a column
that fails it, and any chunk with irregular rows, is re-read cell by cell with the exact reader.
Either way the errors are the same; only the time differs. The column path lives in
:mod:`.columns`, the row path in :mod:`.rows`, the header check in :mod:`.labels`; this module
keeps the state across chunks: buffering, row numbers, the error limit and the key checks.

Memory grows only with what has to be remembered across rows: values of unique fields, primary
keys, foreign-key values of referencing rows, referenced key sets — and at most ``error_limit``
errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from .columns import check_columns
from .keymemory import HASHED_TYPES, KeyMemory
from .labels import FIELDS_MATCH, HeaderAbort, Matching, expected_fields, label_errors
from .messages import cell_text, where
from .report import ValidationError
from .rows import check_exact
from .types import UNKEYABLE_TYPES, FieldSpec, SchemaProblem, compile_field

CHUNK_SIZE = 2048
Key = tuple[Any, ...]


@dataclass(frozen=True)
class ForeignKey:
    """A declared foreign key; ``resource`` is already resolved ("" → the resource itself)."""

    fields: tuple[str, ...]
    resource: str
    ref_fields: tuple[str, ...]


class ResourceChecker:
    """Checks one resource's CSV text row by row (streaming; memory grows only with key sets).

    Feed ``check_header`` once (unless the dialect has no header), then ``check_row`` for each
    record as ``csv.reader`` yields it, then ``finish``. Errors of buffered rows appear in
    ``errors`` only after the chunk is flushed, at the latest by ``finish``.

    Foreign keys: ``foreign_keys`` lists this resource's declared keys; ``references[i]`` holds
    ``(row, key tuple)`` for every referencing row of ``foreign_keys[i]`` (rows whose key cells
    are all null are skipped, as frictionless does). A package checker asks a referenced
    resource to collect its key set with ``collect_keys(fields)`` *before* rows are fed, and reads
    it with ``key_set(fields)`` after ``finish``.
    """

    def __init__(
        self,
        resource: str,
        schema: dict[str, Any],
        *,
        error_limit: int = 1000,
        header: bool = True,
        chunk_size: int = CHUNK_SIZE,
        force_exact: bool = False,
    ) -> None:
        self.resource = resource
        self.errors: list[ValidationError] = []
        self.rows = 0
        self.error_limit = error_limit
        self.error_limit_reached = False
        self.aborted = False  # set when the source could not be read (encoding, I/O)
        self.abort_type = ""  # the error type it was aborted with, and its note
        self.abort_note = ""
        self._chunk_size = max(1, chunk_size)
        self._force_exact = force_exact  # tests: compare the fast path against the exact one
        self._next_row = 2 if header else 1
        self._buf: list[list[str]] = []
        self._nums: list[int] = []
        self._header_seen = not header
        self._schema = schema if isinstance(schema, dict) else {}
        self.fields: list[FieldSpec] = []
        self.fields_match: str = "exact"
        self.primary_key: tuple[str, ...] = ()
        self.schema_ok = True
        try:
            self.fields = self._compile(self._schema)
        except SchemaProblem as exc:
            self.schema_ok = False
            self._add(
                "schema-error",
                f'Resource "{resource}": its Table Schema cannot be used: {exc}. '
                "Fix the schema in datapackage.json.",
                note=str(exc),
            )
        self.foreign_keys = self._compile_foreign_keys()
        self.references: list[list[tuple[int, Key]]] = [[] for _ in self.foreign_keys]
        self._wanted_keys: dict[tuple[str, ...], set[Key]] = {}
        self._set_expected(self.fields)

    # ---------------------------------------------------------------- schema

    def _compile(self, schema: dict[str, Any]) -> list[FieldSpec]:
        fields = schema.get("fields")
        if not isinstance(fields, list):
            raise SchemaProblem('"fields" must be a list of field descriptors')
        missing = schema.get("missingValues")
        specs = [compile_field(f if isinstance(f, dict) else {}, missing) for f in fields]
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise SchemaProblem("field names must be unique")
        pk = schema.get("primaryKey") or []
        if isinstance(pk, str):
            pk = [pk]
        types = {s.name: s.type for s in specs}
        for name in pk:
            if name not in names:
                raise SchemaProblem(f'primary key field "{name}" is not a field of the schema')
            if types[name] in UNKEYABLE_TYPES:
                raise SchemaProblem(
                    f'primary key field "{name}" is of type {types[name]}, whose values cannot '
                    "be compared as keys"
                )
        self.primary_key = tuple(pk)
        fields_match = schema.get("fieldsMatch", "exact")
        if fields_match not in FIELDS_MATCH:
            raise SchemaProblem(
                f'"fieldsMatch" is "{fields_match}"; it must be one of {", ".join(FIELDS_MATCH)}'
            )
        self.fields_match = str(fields_match)
        return specs

    def _compile_foreign_keys(self) -> list[ForeignKey]:
        result: list[ForeignKey] = []
        if not self.schema_ok:
            return result
        names = {s.name for s in self.fields}
        for fk in self._schema.get("foreignKeys") or []:
            fields = fk.get("fields")
            ref = fk.get("reference") or {}
            ref_fields = ref.get("fields")
            fields = [fields] if isinstance(fields, str) else list(fields or [])
            ref_fields = [ref_fields] if isinstance(ref_fields, str) else list(ref_fields or [])
            target = ref.get("resource") or self.resource
            if not fields or len(fields) != len(ref_fields) or not set(fields) <= names:
                self.schema_ok = False
                self._add(
                    "schema-error",
                    f'Resource "{self.resource}": foreign key {fk!r} is malformed: its fields '
                    "must be fields of the schema and match the referenced fields in number.",
                    note="malformed foreign key",
                )
                continue
            result.append(ForeignKey(tuple(fields), str(target), tuple(ref_fields)))
        return result

    def _set_expected(self, expected: list[FieldSpec]) -> None:
        """Fields in the order the data has them (frictionless's ``get_expected_fields``)."""
        self.expected = expected
        index = {s.name: i for i, s in enumerate(expected)}
        self._index = index
        self._pk_idx = self._primary_key_index(index)
        self._unique_idx = [i for i, s in enumerate(expected) if s.unique]
        # frictionless skips a foreign key whose fields are not all in the data
        self._fk_idx: list[tuple[int, ...] | None] = [
            tuple(index[f] for f in fk.fields) if set(fk.fields) <= index.keys() else None
            for fk in self.foreign_keys
        ]
        self._unique_memory = {
            i: KeyMemory(hashed=expected[i].type in HASHED_TYPES) for i in self._unique_idx
        }
        pk_types = [expected[i].type for i in self._pk_idx or ()]
        self._pk_memory = KeyMemory(hashed=len(pk_types) == 1 and pk_types[0] in HASHED_TYPES)
        self._blank_fast = all(s.missing == frozenset({""}) for s in expected)

    def _primary_key_index(self, index: Mapping[str, int]) -> tuple[int, ...] | None:
        """Positions of the primary key's fields; None if it is unchecked (no key, a broken
        schema, or a key field the data lacks)."""
        if self.schema_ok and self.primary_key and all(n in index for n in self.primary_key):
            return tuple(index[n] for n in self.primary_key)
        return None

    def collect_keys(self, fields: Sequence[str]) -> None:
        """Ask this checker to remember the key tuples of ``fields`` (a referenced key)."""
        self._wanted_keys.setdefault(tuple(fields), set())

    def key_set(self, fields: Sequence[str]) -> set[Key]:
        """Referenced key tuples seen so far (rows whose key cells are all null excluded)."""
        return self._wanted_keys.get(tuple(fields), set())

    def _key_getters(self) -> list[tuple[set[Key], tuple[int, ...]]]:
        # A referenced field the header lacks reads as null (-1), like frictionless's row.get().
        return [
            (keys, tuple(self._index.get(f, -1) for f in fields))
            for fields, keys in self._wanted_keys.items()
        ]

    # ---------------------------------------------------------------- errors

    def _add(
        self,
        type_: str,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        note: str = "",
    ) -> None:
        if len(self.errors) >= self.error_limit:
            self.error_limit_reached = True
            return
        self.errors.append(ValidationError(type_, self.resource, message, row, field, note))

    def _where(self, row: int | None, field: str | None = None) -> str:
        return where(self.resource, row, field)

    def abort(self, type_: str, message: str, note: str = "") -> None:
        """The source could not be read to the end (e.g. bad bytes for its encoding).

        frictionless reports only that error for such a file (it fails while reading its sample),
        so row errors found so far are dropped and the resource takes no part in key checks.
        """
        self._buf.clear()
        self._nums.clear()
        self.errors = [e for e in self.errors if e.type == "schema-error"]
        self.aborted = True
        self.abort_type = type_
        self.abort_note = note
        self.references = [[] for _ in self.foreign_keys]
        self._add(type_, message, note=note)

    # ---------------------------------------------------------------- header

    def check_header(self, header: list[str], *, ignore_case: bool = False) -> None:
        """Compare the header labels with the schema's field names (by position, or by name
        under ``fieldsMatch``); ``ignore_case`` is the dialect's ``headerCase: false``."""
        self._header_seen = True
        labels = [label.strip() for label in header]
        fields = self.fields
        if not self.schema_ok or not labels:
            # frictionless treats an empty header row as "no header": no label errors, and the
            # data is read with every schema field (rows still start after that header row).
            return
        mode = self.fields_match
        try:
            Matching(fields, labels, mode, ignore_case).check_pairing(self.resource)
        except HeaderAbort as exc:
            self.abort(exc.type, exc.message, note=exc.note)
            return
        required = {s.name for s in fields if s.required} | set(self.primary_key)
        for error in label_errors(
            self.resource,
            fields,
            labels,
            fields_match=mode,
            ignore_case=ignore_case,
            required=required,
        ):
            self._add(error.type, error.message, field=error.field, note=error.note)
        self._set_expected(
            expected_fields(fields, labels, fields_match=mode, ignore_case=ignore_case)
        )

    # ---------------------------------------------------------------- rows

    def skip_row(self) -> None:
        """Count a record that is not data (e.g. a comment row) so row numbers stay right."""
        self._next_row += 1

    def check_row(self, cells: list[str], row_number: int | None = None) -> None:
        """Buffer one record; ``row_number`` overrides the running count if given."""
        if row_number is not None:
            self._next_row = row_number
        self._buf.append(cells)
        self._nums.append(self._next_row)
        self._next_row += 1
        self.rows += 1
        if len(self._buf) >= self._chunk_size:
            self._flush()

    def check_rows(self, rows: Iterable[list[str]]) -> None:
        """Feed many records at once: the fast way to drive the checker.

        Chunks are cut with ``islice`` so no Python code runs per row here.
        """
        self._flush()
        it = iter(rows)
        size = self._chunk_size
        while True:
            chunk = list(islice(it, size))
            if not chunk:
                return
            start = self._next_row
            self._next_row += len(chunk)
            self.rows += len(chunk)
            self._check_chunk(chunk, range(start, start + len(chunk)))

    def finish(self) -> None:
        """Check what is still buffered. Foreign keys are the package checker's job."""
        self._flush()

    def _flush(self) -> None:
        rows, nums = self._buf, self._nums
        if not rows:
            return
        self._buf, self._nums = [], []
        self._check_chunk(rows, nums)

    def _check_chunk(self, rows: list[list[str]], nums: Sequence[int]) -> None:
        if not self.schema_ok or self.aborted:
            return
        n = len(self.expected)
        regular = not self._force_exact and set(map(len, rows)) == {n} and n > 0
        if regular:
            if self._blank_fast:
                regular = all(map(any, rows))
            else:
                missing = [s.missing for s in self.expected]
                regular = not any(
                    all(c in m for c, m in zip(r, missing, strict=True)) for r in rows
                )
        found: list[tuple[int, int, ValidationError]] = []
        if regular:
            values = check_columns(self.resource, self.expected, rows, nums, self._needed(), found)
        else:
            values = check_exact(self.resource, self.expected, rows, nums, found)
        self._check_keys(values, nums, found)
        found.sort(key=lambda t: (t[0], t[1]))
        for _, _, error in found:
            if len(self.errors) >= self.error_limit:
                self.error_limit_reached = True
                break
            self.errors.append(error)

    def _needed(self) -> set[int]:
        """Field positions whose typed values the key checks need."""
        need = set(self._unique_idx)
        if self._pk_idx:
            need.update(self._pk_idx)
        for idx in self._fk_idx:
            if idx:
                need.update(idx)
        for _, idx in self._key_getters():
            need.update(i for i in idx if i >= 0)
        return need

    def _check_keys(
        self,
        values: Sequence[list[Any] | None],
        nums: Sequence[int],
        found: list[tuple[int, int, ValidationError]],
    ) -> None:
        """Unique fields, the primary key, and collection of foreign-key values.

        Each part runs once per chunk, column-wise; none adds a call per row.
        """
        for fi in self._unique_idx:
            self._check_unique(fi, values[fi], nums, found)
        if self._pk_idx:
            self._check_primary_key(self._pk_idx, values, nums, found)
        self._collect_keys(values, nums)

    def _collect_keys(self, values: Sequence[list[Any] | None], nums: Sequence[int]) -> None:
        """Foreign-key values to resolve at the end, and the keys other resources refer to."""
        for refs, idx in zip(self.references, self._fk_idx, strict=True):
            if idx is None:
                continue
            cols = [values[i] for i in idx]
            for k, r in zip(zip(*cols, strict=True), nums, strict=True):
                if any(v is not None for v in k):
                    refs.append((r, k))
        nulls = [None] * len(nums)
        for keyset, idx in self._key_getters():
            cols = [values[i] if i >= 0 else nulls for i in idx]
            keyset.update(k for k in zip(*cols, strict=True) if any(v is not None for v in k))

    def _check_unique(
        self,
        fi: int,
        col: list[Any] | None,
        nums: Sequence[int],
        found: list[tuple[int, int, ValidationError]],
    ) -> None:
        assert col is not None
        pairs = [(v, r) for v, r in zip(col, nums, strict=True) if v is not None]
        hits = self._unique_memory[fi].add([v for v, _ in pairs], [r for _, r in pairs])
        name = self.expected[fi].name
        for r, match, v in hits:
            error = ValidationError(
                "unique-error",
                self.resource,
                f'{self._where(r, name)}: the value "{cell_text(str(v))}" is '
                f"already in row {match}, but the field must be unique.",
                r,
                name,
                f"the same as in the row at position {match}",
            )
            found.append((r, fi, error))

    def _check_primary_key(
        self,
        pk_idx: tuple[int, ...],
        values: Sequence[list[Any] | None],
        nums: Sequence[int],
        found: list[tuple[int, int, ValidationError]],
    ) -> None:
        big = 1 << 30  # sort key: row-level errors after the row's cell errors
        cols = [values[i] for i in pk_idx]
        # A one-field key is remembered as the bare value, not a 1-tuple.
        single = len(cols) == 1
        first = cols[0]
        assert first is not None
        keys = first if single else list(zip(*cols, strict=True))
        pk_names = ", ".join(self.primary_key)
        empty, hits = self._primary_key_hits(keys, nums, single)
        for r in empty:
            message = (
                f"{self._where(r)}: the primary key ({pk_names}) is empty. Every row needs a key."
            )
            note = 'cells composing the primary keys are all "None"'
            error = ValidationError("primary-key", self.resource, message, r, None, note)
            found.append((r, big, error))
        for r, match, k in hits:
            shown = ", ".join(str(v) for v in ((k,) if single else k))
            message = (
                f"{self._where(r)}: the primary key ({pk_names}) = ({shown}) is "
                f"already used by row {match}. Keys must be unique."
            )
            note = f"the same as in the row at position {match}"
            error = ValidationError("primary-key", self.resource, message, r, None, note)
            found.append((r, big, error))

    def _primary_key_hits(
        self, keys: Sequence[Any], nums: Sequence[int], single: bool
    ) -> tuple[list[int], list[Any]]:
        """Rows whose key is empty, and repeats of a key already seen (empty keys left out)."""
        if single:
            empty = [r for k, r in zip(keys, nums, strict=True) if k is None]
        else:
            empty = [r for k, r in zip(keys, nums, strict=True) if all(v is None for v in k)]
        if not empty:
            return empty, self._pk_memory.add(keys, nums)
        empty_rows = set(empty)
        kept = [(k, r) for k, r in zip(keys, nums, strict=True) if r not in empty_rows]
        return empty, self._pk_memory.add([k for k, _ in kept], [r for _, r in kept])
