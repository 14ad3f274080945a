"""The case file and what is read from it: the case and its events (:mod:`.case`), service lines
(:mod:`.service`), the facts measured on a case (:mod:`.facts`), calendar windows (:mod:`.windows`),
the one JSON reader with its limits (:mod:`.inputs`) and the error types (:mod:`.errors`).

The bottom layer: imports no other part of the package (pydantic, no engine, no click).
"""
