"""The words of a task search: the full-text query, relevance tiers, and how common each word is
(PostgreSQL's statistics)."""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from time import monotonic
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVectorExact, SearchVectorField
from django.db import connection
from django.db.models import (
    F,
    Func,
    Q,
    Value,
)
from django.db.models.functions import Coalesce


def task_search_query(q: str) -> SearchQuery:
    """The user's words as a web-search query: ``"exact phrase"``, ``or``, ``-excluded``."""
    return SearchQuery(q, config="english", search_type="websearch")


COMMON_WORDS = 0.005  # words in at least this share of tasks are looked for by scanning


# Relevance is a tiered rank, exact for every match: tasks whose title alone
# matches the words (tier 1) before those the description matches (tier 2),
# newest first within a tier; each tier is found the way the newest sort
# finds words (bounded walks, bands, the full-text indexes), tier 1 through
# a full-text index of the titles (migration 0005), and one keyset cursor
# runs across both. (It replaced ``ts_rank`` of the matches among the newest
# 5,000 open tasks: ranking all 300,000 matches of a common word takes
# seconds, so the first page differed from an exact ranking in 33-47 % of
# common-word searches, and paging ended with the window: a median of 1.1 %
# of the matches could be reached. See docs/benchmarks.md, 16.)
TIERS = (1, 2)


def _words_match(q: str, *, indexed: bool) -> Q:
    """The full-text condition; ``indexed=False`` spells it so the GIN index is not used.

    Among a bounded set of rows, testing each row's vector is cheaper than
    fetching every match of a common word through the index.
    """
    if indexed:
        return Q(search_vector=task_search_query(q))
    return Q(SearchVectorExact(_unindexed_vector(), task_search_query(q)))


def _words_in_band(q: str) -> Q:
    """The full-text condition for a band of the sort key, spelled so PostgreSQL ANDs the two indexes.

    PostgreSQL guesses a phrase or several words that must all appear to be
    far rarer than they are ("year-end accounts": 199 tasks guessed, 41,000
    found), and then skips the band's range and reads every match. Its guess
    for one word is right, so the index is asked for the rarest word that
    must appear and the whole query is tested on the band's rows that hold it.
    Two separate words (no phrase) ask for the two rarest, each guessed on its
    own: two common words seldom together ("booking website": 125,000 and
    148,000 open tasks, 26,000 with both) otherwise test every band row that
    holds one of them (the cheapest-first bands of that search: 300 ms, 90 ms
    this way).
    """
    tree, lexemes = _query_lexemes(q)
    if not lexemes or "|" in tree:
        return _words_match(q, indexed=True)
    shares = _lexeme_shares(lexemes)
    rarest = sorted(set(lexemes), key=shares.__getitem__)
    condition = Q(search_vector=_lexeme_query(rarest[0]))
    if len(rarest) > 1 and "<" not in tree:  # a phrase's words follow each other: "<->", "<2>"
        condition &= Q(search_vector=_lexeme_query(rarest[1]))
    return condition & _words_match(q, indexed=False)


@dataclass(frozen=True)
class _Words:
    """Which tasks the user's words match, spelled for each step of a search."""

    frequency: float  # about what share of tasks match: common words are looked for by scanning candidates
    on_rows: Q  # tested on rows already chosen, no index
    indexed: Q  # every match, through a full-text index (and the filters' indexes)
    in_band: Q  # within a band of the sort key, the full-text index ANDed with the key's range


def _all_words(q: str) -> _Words:
    """Tasks whose title or description matches the words."""
    on_rows = _words_match(q, indexed=False)
    if _only_exclusions(q):
        # Only excluded words ("-booked"): nearly every task matches and no index finds them, so
        # they are tested on the rows the walks and the filters' indexes choose. (Through the
        # full-text index, ``!'book'`` reads the whole index and then every row: 2.8-3.9 s.)
        return _Words(frequency=1.0, on_rows=on_rows, indexed=on_rows, in_band=on_rows)
    return _Words(
        frequency=word_frequency(q), on_rows=on_rows, indexed=_words_match(q, indexed=True), in_band=_words_in_band(q)
    )


def _tiers(q: str) -> tuple[_Words, _Words]:
    """Relevance's tiers: the tasks whose title alone matches the words, then the other matches.

    "The title alone matches" is the query tested on the title's lexemes
    (weight A of ``search_vector``, see :class:`TitleLexemes`); a match must
    also match as a whole, which only differs for excluded words ("audit
    -berlin" with Berlin in the description is no match at all).
    """
    every = _all_words(q)
    query = task_search_query(q)
    title_on_rows = Q(SearchVectorExact(TitleLexemes(_unindexed_vector()), query))
    if _only_exclusions(q):  # tested on rows, as for every match (see _all_words)
        title_indexed = title_in_band = every.on_rows & title_on_rows
        title_frequency = 1.0
    else:
        title_indexed = Q(SearchVectorExact(TitleLexemes(F("search_vector")), query)) & every.on_rows
        lexeme = _rarest_required_lexeme(q, titles=True)
        title_in_band = title_indexed
        if lexeme is not None:
            title_in_band = Q(SearchVectorExact(TitleLexemes(F("search_vector")), _lexeme_query(lexeme)))
            title_in_band &= title_on_rows & every.on_rows
        title_frequency = word_frequency(q, titles=True)
    in_title = _Words(
        frequency=title_frequency,
        on_rows=every.on_rows & title_on_rows,
        indexed=title_indexed,
        in_band=title_in_band,
    )
    elsewhere = _Words(
        frequency=every.frequency,
        on_rows=every.on_rows & ~title_on_rows,
        indexed=every.indexed & ~title_on_rows,
        in_band=every.in_band & ~title_on_rows,
    )
    return in_title, elsewhere


class TitleLexemes(Func):
    """The title's lexemes: those of weight A in ``search_vector`` (see ``Task.search_vector``).

    The same lexemes at the same positions as ``to_tsvector('english',
    title)``, so phrases match as they would in the title alone, without
    parsing the title again; migration 0005 indexes this expression.
    """

    function = "ts_filter"
    template = "%(function)s(%(expressions)s, '{a}'::\"char\"[])"
    output_field = SearchVectorField()


def _unindexed_vector() -> Coalesce:
    """``search_vector`` spelled so that no index matches it: the condition is tested on each row."""
    return Coalesce(F("search_vector"), Value("", output_field=SearchVectorField()))


def _lexeme_query(lexeme: str) -> SearchQuery:
    """One lexeme, as it is (already stemmed), as a full-text query."""
    return _LexemeQuery("'{}'".format(lexeme.replace("'", "''")))


class _LexemeQuery(SearchQuery):
    """A ``tsquery`` literal of one lexeme.

    Not ``to_tsquery``: its parser splits "year-end" into the phrase
    ``'year-end' <-> 'year' <-> 'end'``, which PostgreSQL guesses 17 titles
    hold (19,785 do), so a band skipped the sort key's range and read 18,800
    table pages (75 ms warm; seconds from disk).
    """

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **kwargs: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[-1])
        return f"({sql})::tsquery", params


@functools.lru_cache(maxsize=2048)
def _query_lexemes(q: str) -> tuple[str, tuple[str, ...]]:
    """The index-searchable part of the user's words (PostgreSQL's ``querytree``) and its lexemes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT querytree(websearch_to_tsquery('english'::regconfig, %s))", [q])
        tree = cursor.fetchone()[0] or ""
    return tree, tuple(lexeme.replace("''", "'") for lexeme in re.findall(r"'((?:[^']|'')*)'", tree))


# Where ANALYZE keeps each vocabulary's statistics: the search vector of all tasks, and (migration
# 0005's expression index) their titles' lexemes, each re-read every 10 minutes.
_STATISTICS = {False: ("marketplace_task", "search_vector"), True: ("task_open_title_gin", "ts_filter")}


_lexeme_stats: dict[bool, dict[str, Any]] = {
    titles: {"loaded": -math.inf, "frequencies": {}, "floor": 0.0} for titles in _STATISTICS
}


def _lexeme_frequencies(*, titles: bool = False) -> tuple[dict[str, float], float]:
    """Share of tasks (or of titles) holding each common lexeme, from ``ANALYZE``'s statistics."""
    stats = _lexeme_stats[titles]
    if monotonic() - stats["loaded"] > 600:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
                "WHERE schemaname = current_schema() AND tablename = %s AND attname = %s",
                list(_STATISTICS[titles]),
            )
            row = cursor.fetchone()
        lexemes, frequencies = (row[0] or [], row[1] or []) if row else ([], [])
        stats.update(
            loaded=monotonic(),
            frequencies=dict(zip(lexemes, frequencies, strict=False)),
            # After the per-lexeme figures come the lowest and highest of them.
            floor=frequencies[len(lexemes)] if len(frequencies) > len(lexemes) else 0.0,
        )
    return stats["frequencies"], stats["floor"]


def word_frequency(q: str, *, titles: bool = False) -> float:
    """About what share of tasks (or titles) the words match, to choose how to find them (never what is found).

    Words that must all appear match at most as often as the rarest of them:
    unlike PostgreSQL's estimate, which multiplies their frequencies, this
    holds for words that go together ("help desk", "trade fair"). Words
    joined by "or" add up. A lexeme the statistics do not list is rarer than
    every one they do.
    """
    tree, lexemes = _query_lexemes(q)
    if _only_exclusions(q):  # nearly everything matches
        return 1.0
    if not lexemes:
        return 0.0
    shares = _lexeme_shares(lexemes, titles=titles)
    return min(1.0, sum(shares.values())) if "|" in tree else min(shares.values())


def _only_exclusions(q: str) -> bool:
    """Whether no index can find the words' matches: only excluded words ("-booked"), or ORed with one."""
    return _query_lexemes(q)[0].strip() == "T"


def _rarest_required_lexeme(q: str, *, titles: bool = False) -> str | None:
    """The rarest lexeme every match holds; ``None`` when the words have alternatives ("or") or none."""
    tree, lexemes = _query_lexemes(q)
    if not lexemes or "|" in tree:
        return None
    shares = _lexeme_shares(lexemes, titles=titles)
    return min(shares, key=shares.__getitem__)


def _lexeme_shares(lexemes: tuple[str, ...], *, titles: bool = False) -> dict[str, float]:
    """Each lexeme's share of tasks; one the statistics do not list is rarer than every one they do."""
    frequencies, floor = _lexeme_frequencies(titles=titles)
    return {lexeme: frequencies.get(lexeme, floor / 2) for lexeme in lexemes}
