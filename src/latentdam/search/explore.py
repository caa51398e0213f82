"""The library's neighbourhoods, for serendipity: clusters of an embedding space, each named
by its most typical prompt words and shown by the assets nearest its centre, and a 2-D map
of the space (every asset a point; near points, similar assets).

Clusters are k-means (scikit-learn's MiniBatchKMeans: seconds at 100k vectors) on the unit
vectors, about sqrt(n / 4) of them; labels are the words whose mean TF-IDF weight in a
cluster's texts most exceeds their mean over the whole library.

The map is a UMAP projection (umap-learn, cosine metric): it keeps an asset's nearest
neighbours near it on the map, which PCA does not (measured on the bench library: 20 % of each
asset's 10 nearest neighbours are among its 10 nearest on the UMAP map, 5 % on PCA's; 86 % and
12 % on the grown 10k library). It takes seconds to minutes, so a server computes it as a
background job and the library keeps it (store/maps.py). Tiny libraries (under 16 assets)
get PCA: UMAP needs neighbours to work with.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, Field
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.feature_extraction.text import TfidfVectorizer

from latentdam.embed.space import Space
from latentdam.store.store import LibraryStore

MAX_CLUSTERS = 48
UMAP_MIN_ASSETS = 16
SAMPLES = 6  # assets shown per cluster
LABEL_WORDS = 3


class Neighbourhood(BaseModel):
    id: int
    size: int
    label: list[str] = Field(description="the cluster's most typical prompt words")
    samples: list[str] = Field(description="ids of the assets nearest its centre")


class ExploreMap(BaseModel):
    space: str
    version: int = Field(description="the library version it was computed at")
    projection: str = Field(default="pca", description="how the 2-D map was made: umap or pca")
    stale: bool = Field(default=False, description="the library has changed since it was computed")
    refreshing: str | None = Field(
        default=None, description="the id of the job computing a current map, while one runs"
    )
    neighbourhoods: list[Neighbourhood]
    ids: list[str] = Field(description="every mapped asset; x, y and cluster are in the same order")
    x: list[float] = Field(description="map coordinates in [0, 1]")
    y: list[float]
    cluster: list[int]


def _labels(texts: list[str], assignment: np.ndarray, k: int) -> list[list[str]]:
    if not any(t.strip() for t in texts):
        return [[] for _ in range(k)]
    vectorizer = TfidfVectorizer(
        stop_words="english", max_features=20_000, token_pattern=r"(?u)\b[a-zA-Z]{3,}\b"
    )
    try:
        weights = vectorizer.fit_transform(texts)
    except ValueError:  # nothing but stop words
        return [[] for _ in range(k)]
    words = np.asarray(vectorizer.get_feature_names_out())
    overall = np.asarray(weights.mean(axis=0)).ravel()
    out: list[list[str]] = []
    for c in range(k):
        members = weights[assignment == c]
        if members.shape[0] == 0:
            out.append([])
            continue
        # typical of this cluster rather than of the library ("art", "detailed" are everywhere)
        lift = np.asarray(members.mean(axis=0)).ravel() - overall
        top = [i for i in np.argsort(lift)[::-1][:LABEL_WORDS] if lift[i] > 0]
        out.append(words[top].tolist())
    return out


def project(vectors: np.ndarray) -> tuple[np.ndarray, str]:
    """2-D coordinates for unit vectors, and the method's name."""
    n = len(vectors)
    if n < 3:
        return np.zeros((n, 2)), "pca"
    if n < UMAP_MIN_ASSETS:
        return PCA(n_components=2, random_state=0).fit_transform(vectors), "pca"
    import umap  # numba compiles on first use: loaded only when a map is made

    # unseeded: seeding makes umap-learn run on one thread (6x slower here); the map is
    # computed once per library version and kept, so it is stable where it matters
    reducer = umap.UMAP(n_components=2, n_neighbors=min(15, n - 1), metric="cosine", low_memory=True)
    return np.asarray(reducer.fit_transform(vectors), dtype=np.float64), "umap"


def build_map(store: LibraryStore, space: Space) -> ExploreMap:
    """Cluster and project every asset with a vector in `space`."""
    version = store.version
    ids, vectors = store.all_vectors(space)
    n = len(ids)
    if n == 0:
        return ExploreMap(
            space=space.name, version=version, neighbourhoods=[], ids=[], x=[], y=[], cluster=[]
        )
    k = int(np.clip(round(np.sqrt(n / 4)), 1, MAX_CLUSTERS)) if n >= 4 else 1
    if k > 1:
        model = MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3, batch_size=2048).fit(vectors)
        assignment, centres = model.labels_, model.cluster_centers_
    else:
        assignment, centres = np.zeros(n, dtype=int), vectors.mean(axis=0, keepdims=True)
    xy, projection = project(vectors)
    span = np.ptp(xy, axis=0)
    xy = (xy - xy.min(axis=0)) / np.where(span > 0, span, 1.0)
    texts = {i: r["embed_text"] or "" for i, r in store.rows(ids, columns=["id", "embed_text"]).items()}
    labels = _labels([texts.get(i, "") for i in ids], assignment, k)
    neighbourhoods = []
    for c in range(k):
        members = np.flatnonzero(assignment == c)
        if not len(members):
            continue
        distance = np.linalg.norm(vectors[members] - centres[c], axis=1)
        nearest = members[np.argsort(distance)[:SAMPLES]]
        neighbourhoods.append(
            Neighbourhood(id=c, size=len(members), label=labels[c], samples=[ids[i] for i in nearest])
        )
    neighbourhoods.sort(key=lambda h: -h.size)
    return ExploreMap(
        space=space.name,
        version=version,
        projection=projection,
        neighbourhoods=neighbourhoods,
        ids=ids,
        x=np.round(xy[:, 0], 4).tolist(),
        y=np.round(xy[:, 1], 4).tolist(),
        cluster=assignment.astype(int).tolist(),
    )
