"""The public US provider registry (NPPES, NUCC taxonomy, Medicare utilisation) turned into provider records.

One module per idea: ``npi`` (the check digit), ``layouts`` (the published headers, read by name), ``nppes``
(the NPPES reader), ``names`` (display names), ``taxonomy`` (NUCC codes to specialties), ``zips`` (offline
location), ``joins`` (utilisation and secondary locations, indexed on disk), ``records`` (one provider
record), ``ingest`` (the run: report, temporary file, rename) and ``generator`` (fictional files in the
published layouts, for tests and benchmarks).
"""
