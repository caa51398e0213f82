"""Objects beside a library's tables in its bucket, through obstore (the Python binding of
the object_store crate LanceDB writes with), configured by the same storage options."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# storage options that configure the HTTP client rather than the store (object_store's split)
_CLIENT_OPTIONS = {"allow_http", "allow_invalid_certificates", "timeout", "connect_timeout", "proxy_url"}
# storage options only Lance reads (its DynamoDB commit path), not object_store
_LANCE_OPTIONS = {"dynamodb_endpoint"}


def bucket_url(uri: str) -> str:
    """The plain object-store URL of a library location: `s3+ddb://b/p?ddbTableName=T` (Lance's
    S3 with commits recorded in DynamoDB) is the bucket `s3://b/p` to any other client."""
    scheme, _, rest = uri.partition("://")
    return f"{scheme.removesuffix('+ddb')}://{rest.partition('?')[0]}".rstrip("/")


def object_store(uri: str, storage_options: Mapping[str, str], under: str = "") -> Any:
    """An obstore store rooted at the library location (or `under` a folder of it)."""
    from obstore.store import from_url

    options = {k: v for k, v in storage_options.items() if k not in _LANCE_OPTIONS}
    client = {k: v for k, v in options.items() if k in _CLIENT_OPTIONS}
    config = {k: v for k, v in options.items() if k not in _CLIENT_OPTIONS}
    url = bucket_url(uri) + (f"/{under.strip('/')}" if under else "")
    return from_url(url, config=config or None, client_options=client or None)  # type: ignore[arg-type]
