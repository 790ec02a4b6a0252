"""Reads compiled to SQL once and run again with new values: for the few statements every move runs.

The ORM builds and compiles a query anew each time it runs. For a move's locked read of the issue (with its
assignee and milestone) and its watchers, building and compiling cost several times what PostgreSQL spends
running them (issue 15: ~0.6 and ~0.3 ms of CPU per move against ~0.05 ms each once compiled). A
`CompiledQuery` keeps the queryset as the one definition of the read, compiles it on first use per database
connection, and from then on only executes that SQL with the new values, turning rows into what the queryset
itself would give (model instances with their `select_related` relations, or `values_list` tuples), through the
ORM's own converters and related-object populators.

Only for statements whose shape never changes: the varying values are the markers' places (one parameter each)
and nothing else may depend on them (no `__in` lists, no conditional filters). On PostgreSQL the statement is also
prepared (see `_Statement`), so values belong where a column decides their type (filters, SET, VALUES), not bare
in a select list, where a prepared statement would type them as text.

Writes too: `CompiledUpdate` (an instance's changed fields) and `CompiledInsert` (new rows), each checked on first
use against what the ORM itself sends for the same values.
"""

import itertools
import re
import weakref
from collections.abc import Callable
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Q, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.sql import InsertQuery, UpdateQuery

# Stand-ins for the varying values while the query is compiled: numbers nothing else in a query uses.
MARKERS = (-7_340_033, -7_340_034, -7_340_035, -7_340_036)


# Prepared statements by name: what an `EXECUTE mktgops_compiled_…` in a query log ran (see `statement_sql`).
STATEMENTS: dict[str, str] = {}
EXECUTE = re.compile(r"EXECUTE (mktgops_compiled_[0-9]+)\b")


def statement_sql(logged: str) -> str:
    """The SQL a logged query ran: an EXECUTE of a compiled statement reads as that statement's own SQL (with
    placeholders), anything else as it is. For tests and people reading query logs."""
    match = EXECUTE.match(logged)
    return STATEMENTS.get(match.group(1), logged) if match else logged


class _Statement:
    """One compiled statement on one connection; on PostgreSQL also prepared there (PREPARE), so the server parses
    and plans it once per session too: planning the joins cost PostgreSQL more than running them. Prepared
    statements outlive a rolled-back transaction but not the session, so it is prepared again on a new one (the
    backend's process id tells). One that cannot be prepared (a parameter whose type PostgreSQL cannot infer) runs
    as plain SQL. Not for a transaction-pooling proxy (PgBouncer in transaction mode) in front of PostgreSQL."""

    _names = itertools.count(1)

    def __init__(self, sql: str):
        self.sql = sql
        self.name = f"mktgops_compiled_{next(self._names)}"
        STATEMENTS[self.name] = sql
        self.session: int | None = None  # the backend process it is prepared in
        self.preparable = True
        placeholders = iter(range(1, sql.count("%s") + 1))
        self.prepare_sql = re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(placeholders)}", sql)

    def execute(self, connection, cursor, params) -> None:
        if connection.vendor == "postgresql" and self.preparable:
            session = connection.connection.get_backend_pid()
            if session != self.session:
                self._prepare(connection, cursor, session)
            if self.preparable:
                cursor.execute(
                    f"EXECUTE {self.name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {self.name}",
                    params,
                )
                return
        cursor.execute(self.sql, params)

    def _prepare(self, connection, cursor, session: int) -> None:
        # On the driver's own cursor: once-per-session set-up, not one of the request's statements (the query
        # counts pinned in tests count what every request sends). Inside a transaction, in a savepoint of its own,
        # so a PREPARE that fails spoils nothing.
        guarded = connection.in_atomic_block
        with connection.connection.cursor() as raw:
            try:
                if guarded:
                    raw.execute("SAVEPOINT mktgops_prepare")
                raw.execute(f"PREPARE {self.name} AS {self.prepare_sql}")
                if guarded:
                    raw.execute("RELEASE SAVEPOINT mktgops_prepare")
            except connection.Database.Error:  # the driver's own errors: this cursor is not Django's
                if guarded:
                    raw.execute("ROLLBACK TO SAVEPOINT mktgops_prepare")
                self.preparable = False
            else:
                self.session = session


class _Compiled:
    """One connection's SQL of a `CompiledQuery`: where the values go, and what turns rows into results."""

    def __init__(self, queryset: QuerySet, connection, markers: tuple[int, ...]):
        self.connection = connection
        self.compiler = queryset.query.get_compiler(connection=connection)
        try:
            self.sql, params = self.compiler.as_sql()
        except EmptyResultSet as exc:  # e.g. a marker given to a positive-only field: no SQL to replay
            raise ValueError("a compiled query must compile to SQL with its markers in place") from exc
        self.params = list(params)
        self.statement = _Statement(self.sql)
        self.slots = []
        for marker in markers:
            places = [i for i, value in enumerate(self.params) if value == marker]
            if len(places) != 1:
                raise ValueError(f"marker {marker} reaches the SQL {len(places)} times, not once: {self.sql}")
            self.slots.append(places[0])
        if self.compiler.has_extra_select or self.compiler.query.combinator:
            raise ValueError("a compiled query reads plain columns: no extra(), no union")
        self.values_list = queryset._iterable_class is ValuesListIterable
        if self.values_list and queryset.query.annotation_select:
            raise ValueError("a compiled values_list() reads fields only: no annotations")
        if not self.values_list and queryset._iterable_class is not ModelIterable:
            raise ValueError("a compiled query gives model instances or values_list() tuples")
        self.model = queryset.model
        if not self.values_list:  # what ModelIterable works out per query, once
            klass_info, select = self.compiler.klass_info, self.compiler.select
            self.start, self.end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
            self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
            # django-stubs describe Django 6 (a fetch_mode argument); Django 5.2 takes these three.
            self.populators = get_related_populators(klass_info, select, connection.alias)  # type: ignore[call-arg]
            self.annotations = list((self.compiler.annotation_col_map or {}).items())

    def rows(self, values: tuple) -> list[tuple]:
        params = list(self.params)
        for slot, value in zip(self.slots, values, strict=True):
            params[slot] = value
        with self.connection.cursor() as cursor:
            self.statement.execute(self.connection, cursor, params)
            fetched = cursor.fetchall()
        return list(self.compiler.results_iter(results=[fetched], tuple_expected=True))

    def instances(self, values: tuple) -> list:
        db, found = self.connection.alias, []
        for row in self.rows(values):
            obj = self.model.from_db(db, self.init_list, row[self.start : self.end])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, position in self.annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found


class CompiledQuery:
    """`build(*markers)` returns the queryset, with the markers (ints from MARKERS) where the values go; each must
    reach the SQL as exactly one parameter (checked on first use: ValueError otherwise). `fetch(*values)` runs it
    on database `using`: model instances, or tuples for a `values_list()` queryset. Compiled once per connection;
    connections are per thread, so threads never share one."""

    def __init__(self, build: Callable[..., QuerySet], *, values: int = 1):
        self.build = build
        self.markers = MARKERS[:values]
        self._by_connection: weakref.WeakKeyDictionary[Any, _Compiled] = weakref.WeakKeyDictionary()

    def fetch(self, *values, using: str = DEFAULT_DB_ALIAS) -> list:
        connection = connections[using]
        compiled = self._by_connection.get(connection)
        if compiled is None:
            compiled = self._by_connection[connection] = _Compiled(self.build(*self.markers), connection, self.markers)
        return compiled.rows(values) if compiled.values_list else compiled.instances(values)


class CompiledUpdate:
    """`obj.save(update_fields=fields)` for hot paths: one UPDATE by primary key, compiled by the ORM once per
    connection and shape (the fields, which of them are NULL, which are expressions), then run with the instance's
    new values, read as `save()` reads them (each field's `pre_save`, so `auto_now` fields stamp) and prepared by
    their fields; an expression value (e.g. a subquery) must compile to the same SQL each time, with new params.

    Unlike `save()` it sends no `pre_save`/`post_save` signals: use it only for models nothing listens to.
    Raises `DatabaseError` when no row was updated (as `save(update_fields=…)` does) and ValueError on first use
    when its own parameters differ from the ORM's for the same values (a field it cannot prepare the same way).
    """

    def __init__(self, model):
        self.model = model
        self._by_connection: weakref.WeakKeyDictionary[Any, dict[tuple, tuple]] = weakref.WeakKeyDictionary()

    def save(self, obj, fields: list[str], *, using: str = DEFAULT_DB_ALIAS) -> None:
        connection = connections[using]
        values = [(field, field.pre_save(obj, False)) for field in map(self.model._meta.get_field, fields)]
        shape = tuple((field.attname, value is None, hasattr(value, "resolve_expression")) for field, value in values)
        shapes = self._by_connection.setdefault(connection, {})
        compiled = shapes.get(shape)
        if compiled is None:
            query = UpdateQuery(self.model)
            query.add_update_fields([(field, None, value) for field, value in values])
            query.add_q(Q(pk=obj.pk))
            compiler = query.get_compiler(connection=connection)
            sql, expected = compiler.as_sql()
            params, expression_sql = self._params(compiler, values, obj.pk)
            if params != list(expected):
                raise ValueError(f"{self.model.__name__}: a compiled update would not send what save() sends: {sql}")
            compiled = shapes[shape] = (_Statement(sql), compiler, expression_sql)
        statement, compiler, expected_expression_sql = compiled
        params, expression_sql = self._params(compiler, values, obj.pk)
        if expression_sql != expected_expression_sql:
            raise ValueError(f"{self.model.__name__}: an expression compiled to other SQL than the first time")
        with connection.cursor() as cursor:
            statement.execute(connection, cursor, params)
            if cursor.rowcount != 1:
                raise DatabaseError("Save with update_fields did not affect any rows.")

    def _params(self, compiler, values: list, pk) -> tuple[list, list[str]]:
        params, expression_sql = [], []
        for field, value in values:
            if hasattr(value, "resolve_expression"):
                resolved = value.resolve_expression(compiler.query, allow_joins=False, for_save=True)
                sql, expression_params = compiler.compile(resolved)
                expression_sql.append(sql)
                params.extend(expression_params)
            elif value is not None:
                params.append(field.get_db_prep_save(value, connection=compiler.connection))
        params.append(self.model._meta.pk.get_db_prep_value(pk, compiler.connection))
        return params, expression_sql


class CompiledInsert:
    """`obj.save()` of new rows for hot paths (a move's log row, its notifications): one INSERT … RETURNING of the
    model's fields, compiled by the ORM once per connection and number of rows (up to MAX_ROWS; more go through
    `bulk_create`), then run with the objects' values, read and prepared as `save()` does (`pre_save`, then the
    field's preparation). Sets the returned fields (the primary key) and marks the objects saved. Sends no
    `pre_save`/`post_save` signals: use it only for models nothing listens to. ValueError on first use when its
    parameters differ from the ORM's for the same objects.
    """

    MAX_ROWS = 8  # a change's few recipients; a rollover's hundreds go through bulk_create

    def __init__(self, model):
        self.model = model
        meta = model._meta
        self.fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
        self.returning = list(meta.db_returning_fields)
        self._by_connection: weakref.WeakKeyDictionary[Any, dict[int, tuple]] = weakref.WeakKeyDictionary()

    def insert(self, *objs, using: str = DEFAULT_DB_ALIAS) -> None:
        connection = connections[using]
        many = len(objs) > 1
        if not objs:
            return
        if len(objs) > self.MAX_ROWS or not (
            connection.features.can_return_rows_from_bulk_insert
            if many
            else connection.features.can_return_columns_from_insert
        ):
            self.model._default_manager.using(using).bulk_create(objs, batch_size=500)
            return
        by_rows = self._by_connection.setdefault(connection, {})
        compiled = by_rows.get(len(objs))
        if compiled is None:
            compiled = by_rows[len(objs)] = self._compile(connection, objs)
        statement, compiler, columns_layout, converters = compiled
        with connection.cursor() as cursor:
            statement.execute(connection, cursor, self._params(compiler, objs, columns_layout))
            if many:
                # Defined by the backends that can return rows from a bulk insert (checked above).
                rows = connection.ops.fetch_returned_insert_rows(cursor)  # type: ignore[attr-defined]
            else:
                # django-stubs describe Django 6, which renamed it; Django 5.2 has this one.
                fetch = connection.ops.fetch_returned_insert_columns  # type: ignore[attr-defined]
                rows = [fetch(cursor, compiler.returning_params)]
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        for obj, row in zip(objs, rows, strict=True):
            for field, value in zip(self.returning, row, strict=True):
                setattr(obj, field.attname, value)
            obj._state.adding, obj._state.db = False, using

    def _compile(self, connection, objs) -> tuple:
        query = InsertQuery(self.model)
        query.insert_values(self.fields, list(objs))
        compiler = query.get_compiler(connection=connection)
        compiler.returning_fields = self.returning
        [(sql, expected)] = compiler.as_sql()
        # Rows one after another (VALUES (…), (…)), or one array per column (PostgreSQL's UNNEST for several rows).
        for columns_layout in (False, True):
            if self._params(compiler, objs, columns_layout) == list(expected):
                columns = [field.get_col(self.model._meta.db_table) for field in self.returning]
                return _Statement(sql), compiler, columns_layout, compiler.get_converters(columns)
        raise ValueError(f"{self.model.__name__}: a compiled insert would not send what save() sends: {sql}")

    def _params(self, compiler, objs, columns_layout: bool) -> list:
        rows = [[compiler.prepare_value(f, compiler.pre_save_val(f, obj)) for f in self.fields] for obj in objs]
        params = [list(column) for column in zip(*rows, strict=True)] if columns_layout else sum(rows, [])
        return [*params, *compiler.returning_params]
