"""Tests of segmentation.embeddings: rendering, embedding, and the on-disk cache."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation import embeddings
from segmentation.embeddings import (
    DEFAULT_MODEL,
    EmbeddingCache,
    ModelLoadError,
    default_cache_dir,
    embed_texts,
    render_texts,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Keep every test away from the user's real cache folder."""
    monkeypatch.setenv(
        "SEGMENTATION_CACHE_DIR", str(tmp_path_factory.mktemp("default-cache"))
    )


@pytest.fixture(scope="module")
def int8_cache_dir(tmp_path_factory) -> Path:
    """One folder for the int8 export, which takes a few seconds, per module."""
    return tmp_path_factory.mktemp("int8")


@pytest.fixture
def customers() -> pd.DataFrame:
    """Three bank-like customers with a missing job, balance and tenure."""
    return pd.DataFrame(
        {
            "age": [58.0, 44.0, 33.0],
            "job": ["management", "technician", None],
            "marital": ["married", "single", "married"],
            "default": ["no", "no", "yes"],
            "balance": [2143.0, 29.5, np.nan],
            "housing": ["yes", "yes", "no"],
            "loan": ["no", "no", "yes"],
            "years_with_bank": pd.array([3, None, 12], dtype="Int64"),
        }
    )


def sample_texts(n: int = 36) -> list[str]:
    """Varied bank-like customer descriptions."""
    jobs = ["management", "technician", "retired", "student", "blue-collar", "admin."]
    marital = ["married", "single", "divorced"]
    return [
        f"Age: {20 + 3 * i}, Job: {jobs[i % 6]}, Marital: {marital[i % 3]}, "
        f"Balance: {(i * 977) % 5000 - 400}, Housing loan: {'yes' if i % 2 else 'no'}"
        for i in range(n)
    ]


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of matching rows."""
    return np.sum(a * b, axis=1) / (
        np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    )


# --------------------------------------------------------------------------
# render_texts
# --------------------------------------------------------------------------


def test_render_texts_default_labels_numbers_and_missing(customers):
    """The default template writes labels, whole numbers without .0, and unknown."""
    texts = render_texts(customers)
    assert len(texts) == 3
    assert texts[0] == (
        "Age: 58, Job: management, Marital: married, Credit default: no, "
        "Balance: 2143, Housing loan: yes, Personal loan: no, Years with bank: 3"
    )
    assert "Balance: 29.5" in texts[1]
    assert "Years with bank: unknown" in texts[1]
    assert texts[2].startswith("Age: 33, Job: unknown,")
    assert "Balance: unknown" in texts[2]


def test_render_texts_columns_keep_the_given_order(customers):
    """Only the chosen columns are rendered, in the order given."""
    texts = render_texts(customers, columns=["loan", "age"])
    assert texts == [
        "Personal loan: no, Age: 58",
        "Personal loan: no, Age: 44",
        ("Personal loan: yes, Age: 33"),
    ]


def test_render_texts_template(customers):
    """A template fills plain column fields and keeps escaped braces."""
    texts = render_texts(customers, template="{age}-year-old {job}, {marital} {{x}}")
    assert texts == [
        "58-year-old management, married {x}",
        "44-year-old technician, single {x}",
        "33-year-old unknown, married {x}",
    ]


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{age.__class__}", "is not allowed"),
        ("{age.__class__.__mro__}", "is not allowed"),
        ("{age[0]}", "is not allowed"),
        ("{age!r}", "is not allowed"),
        ("{age:>10}", "is not allowed"),
        ("{job:{age}}", "is not allowed"),
        ("{}", "is not allowed"),
        ("{0}", "names no column"),
    ],
    ids=[
        "attribute",
        "attribute-chain",
        "index",
        "conversion",
        "spec",
        "nested",
        "positional",
        "numbered",
    ],
)
def test_render_texts_rejects_template_injection(customers, template, reason):
    """Fields other than a plain column name are refused with the valid columns."""
    with pytest.raises(ValueError, match=rf"{reason}.*Valid columns: age, job,"):
        render_texts(customers, template=template)


def test_render_texts_rejects_unknown_columns(customers):
    """Unknown columns, in the list or in a template, are named with valid ones."""
    with pytest.raises(
        ValueError, match=r"Unknown columns \['income'\]; valid columns"
    ):
        render_texts(customers, columns=["age", "income"])
    with pytest.raises(ValueError, match=r"\{income\} names no column.*Valid columns"):
        render_texts(customers, template="{age} {income}")
    with pytest.raises(ValueError, match=r"\{loan\} names no column"):
        render_texts(customers, columns=["age"], template="{age} {loan}")


def test_render_texts_rejects_bad_templates_and_types(customers):
    """Malformed or field-less templates and a bare column string are refused."""
    with pytest.raises(ValueError, match="not a valid format string"):
        render_texts(customers, template="{age")
    with pytest.raises(ValueError, match="uses no column"):
        render_texts(customers, template="same text for all")
    with pytest.raises(TypeError, match=r"pass a list such as \['age'\]"):
        render_texts(customers, columns="age")
    with pytest.raises(TypeError, match="pandas DataFrame"):
        render_texts([{"age": 3}])
    with pytest.raises(ValueError, match=r"columns=\[\] selects nothing"):
        render_texts(customers, columns=[])


def test_default_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    """$SEGMENTATION_CACHE_DIR wins; otherwise XDG_CACHE_HOME/segmentation."""
    monkeypatch.setenv("SEGMENTATION_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("SEGMENTATION_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "segmentation"


# --------------------------------------------------------------------------
# embed_texts
# --------------------------------------------------------------------------


def test_embed_texts_unit_vectors_from_the_shipped_model(tmp_path):
    """The shipped MiniLM gives one float32 unit vector of 384 numbers per text."""
    texts = sample_texts(5)
    X = embed_texts(texts, backend="torch", cache_dir=tmp_path)
    assert X.shape == (5, 384)
    assert X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-5)
    alias = embed_texts(
        texts,
        "sentence-transformers/all-MiniLM-L6-v2",
        backend="torch",
        use_cache=False,
    )
    np.testing.assert_allclose(alias, X, atol=1e-5)


def test_embed_texts_similar_customers_are_closer(tmp_path):
    """Two near-identical customers are closer than two very different ones."""
    X = embed_texts(
        [
            "Age: 25, Job: student, Marital: single, Balance: 120",
            "Age: 26, Job: student, Marital: single, Balance: 150",
            "Age: 71, Job: retired, Marital: widowed, Balance: 48000",
        ],
        backend="torch",
        cache_dir=tmp_path,
    )
    assert X[0] @ X[1] > X[0] @ X[2] + 0.05


def test_embed_texts_embeds_repeated_texts_once(monkeypatch):
    """Each distinct text reaches the model once and repeats get the same row."""
    seen: list[str] = []
    encode = embeddings._encode_batch

    def counting(encoder, texts):
        seen.extend(texts)
        return encode(encoder, texts)

    monkeypatch.setattr(embeddings, "_encode_batch", counting)
    texts = ["b", "a", "b", "b", "c", "a", "b"]
    X = embed_texts(texts, backend="torch", use_cache=False, batch_size=2)
    assert sorted(seen) == ["a", "b", "c"]
    assert X.shape == (7, 384)
    np.testing.assert_array_equal(X[0], X[2])
    np.testing.assert_array_equal(X[1], X[5])
    assert not np.allclose(X[0], X[1])


def test_embed_texts_second_call_comes_from_the_cache(monkeypatch, tmp_path):
    """A repeated call is answered from disk without loading or calling the model."""
    texts = sample_texts(12)
    updates: list[float] = []
    first = embed_texts(
        texts,
        backend="torch",
        cache_dir=tmp_path,
        batch_size=5,
        progress=lambda fraction, message: updates.append(fraction),
    )
    assert updates == pytest.approx([5 / 12, 10 / 12, 1.0])

    def refuse(*args, **kwargs):
        raise AssertionError("the model was used")

    monkeypatch.setattr(embeddings, "_encode_batch", refuse)
    monkeypatch.setattr(embeddings, "_get_encoder", refuse)
    second = embed_texts(texts[::-1], backend="torch", cache_dir=tmp_path)
    np.testing.assert_array_equal(second, first[::-1])


def test_embed_texts_int8_agrees_with_fp32(int8_cache_dir):
    """The onnx-int8 backend stays within cosine 0.98 of fp32 torch on average."""
    texts = sample_texts(36)
    reference = embed_texts(texts, backend="torch", use_cache=False)
    fast = embed_texts(texts, backend="onnx-int8", cache_dir=int8_cache_dir)
    assert fast.shape == reference.shape == (36, 384)
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert cosine_rows(fast, reference).mean() >= 0.98
    assert list((int8_cache_dir / "models").glob("*/onnx/model_qint8_*.onnx"))
    auto = embed_texts(texts, backend="auto", cache_dir=int8_cache_dir)
    np.testing.assert_array_equal(auto, fast)


def test_int8_model_keeps_only_the_outlier_channels_in_fp32(int8_cache_dir):
    """Every MatMul is int8 except the thin outlier products of layers 0-3."""
    import onnx

    embed_texts(["Age: 58"], backend="onnx-int8", cache_dir=int8_cache_dir)
    (path,) = (int8_cache_dir / "models").glob(
        f"*/onnx/model_qint8_*_{embeddings._INT8_RECIPE}.onnx"
    )
    graph = onnx.load(str(path), load_external_data=False).graph
    fp32 = sorted(node.name for node in graph.node if node.op_type == "MatMul")
    assert fp32 == [
        f"/encoder/layer.{layer}/output/dense/MatMul/outliers/MatMul"
        for layer in range(4)
    ]
    # Six projections per layer and the two attention products, in int8
    assert sum(node.op_type == "MatMulInteger" for node in graph.node) == 6 * 8
    thin = {weight.name: tuple(weight.dims) for weight in graph.initializer}
    widths = [
        shape[0] for name, shape in thin.items() if name.endswith("/outliers/weight")
    ]
    assert len(widths) == 4 and all(1 <= width <= 2 for width in widths)


def _run_probe(path: Path) -> np.ndarray:
    import onnxruntime

    ids = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int64)
    session = onnxruntime.InferenceSession(str(path))
    return session.run(None, {"input_ids": ids})[0]


def test_split_outlier_channels_computes_the_same_values(tmp_path):
    """Masked bulk product plus thin outlier product equals the original MatMul."""
    import onnx

    path = tmp_path / "probe.onnx"
    _probe_model(path, [0.5, 1.0, 2.0, -1.0, 3.0, 0.25, 1.5, 40.0], seed=1)
    before = _run_probe(path)
    kept = embeddings._split_outlier_channels(path, {"down_proj": np.array([7])})
    assert kept == ["down_proj/outliers/MatMul"]
    nodes = onnx.load(str(path)).graph.node
    assert [node.op_type for node in nodes][-5:] == [
        "Mul",
        "MatMul",
        "Gather",
        "MatMul",
        "Add",
    ]
    np.testing.assert_allclose(_run_probe(path), before, rtol=1e-6)


def test_split_outlier_channels_leaves_crowded_projections_whole(tmp_path, monkeypatch):
    """With more outlier channels than the limit, the projection stays fp32 whole."""
    path = tmp_path / "probe.onnx"
    _probe_model(path, [1.0] * 6 + [30.0, 40.0])
    before = _run_probe(path)
    monkeypatch.setattr(embeddings, "_MAX_OUTLIER_CHANNELS", 1)
    kept = embeddings._split_outlier_channels(path, {"down_proj": np.array([6, 7])})
    assert kept == ["down_proj"]
    assert [node.op_type for node in _graph_nodes(path)][-1] == "MatMul"
    np.testing.assert_array_equal(_run_probe(path), before)
    # No outliers: nothing to keep, nothing rewritten
    assert embeddings._split_outlier_channels(path, {"down_proj": np.array([])}) == []


def _graph_nodes(path: Path) -> list:
    import onnx

    return list(onnx.load(str(path)).graph.node)


def test_int8_direct_path_matches_encode(int8_cache_dir):
    """The direct runner gives sentence-transformers' vectors, slice by slice."""
    spec = embeddings._resolve_model(DEFAULT_MODEL)
    models_dir = int8_cache_dir / "models"
    encoder, used = embeddings._get_encoder(spec, "onnx-int8", False, models_dir)
    texts = sample_texts(7) + ["unknown"]
    runner = embeddings._direct_runner(encoder)
    assert used == "onnx-int8" and runner is not None

    def encode(part):
        return encoder.encode(part, batch_size=len(part), normalize_embeddings=True)

    # One slice: the same batch through the same int8 model
    np.testing.assert_allclose(
        embeddings._normalise(runner._run(texts)), encode(texts), atol=1e-5
    )
    # The batch cut into one slice per worker, each slice its own int8 batch
    runner._workers, runner._pool = 2, ThreadPoolExecutor(2)
    try:
        expected = np.vstack([encode(texts[:4]), encode(texts[4:])])
        np.testing.assert_allclose(
            embeddings._normalise(runner(texts)), expected, atol=1e-5
        )
    finally:
        runner._pool.shutdown()
        embeddings._RUNNERS.pop(encoder, None)
    torch_encoder, _ = embeddings._get_encoder(spec, "torch", False, models_dir)
    assert embeddings._direct_runner(torch_encoder) is None


def _probe_model(path: Path, gains: list[float], seed: int | None = None) -> None:
    """A one-MatMul graph whose 8x2 weight is fed by input_ids times ``gains``.

    The weight is all ones, or random normal with ``seed``.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    if seed is None:
        weight = np.ones((len(gains), 2), dtype=np.float32)
    else:
        weight = np.random.default_rng(seed).normal(size=(len(gains), 2))
        weight = weight.astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Cast", ["input_ids"], ["ids"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", ["ids", "axis"], ["column"]),
            helper.make_node("Mul", ["column", "gains"], ["hidden"]),
            helper.make_node("MatMul", ["hidden", "down"], ["out"], name="down_proj"),
        ],
        "probe",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "s"])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)],
        initializer=[
            numpy_helper.from_array(np.array([-1], dtype=np.int64), "axis"),
            numpy_helper.from_array(np.array(gains, dtype=np.float32), "gains"),
            numpy_helper.from_array(weight, "down"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


class _FakeTokenizer:
    """Stands for a sentence-transformers model: token ids 1..3 per text."""

    def preprocess(self, texts):
        ids = np.tile(np.arange(1, 4), (len(texts), 1))
        return {"input_ids": ids, "attention_mask": np.ones_like(ids)}


@pytest.mark.parametrize(
    ("gains", "outliers"),
    [
        pytest.param([1.0] * 7 + [50.0], [7], id="one-channel-50x"),
        pytest.param([1.0] * 3 + [-20.0] + [1.0] * 4, [3], id="negative-20x"),
        pytest.param([1.0] * 7 + [5.0], [], id="one-channel-5x"),
    ],
)
def test_outlier_channels_follow_the_ratio_to_the_median(tmp_path, gains, outliers):
    """A channel is an outlier when its largest value is over 6x the median's."""
    path = tmp_path / "probe.onnx"
    _probe_model(path, gains)
    found = embeddings._outlier_channels(_FakeTokenizer(), path)
    assert list(found) == ["down_proj"]
    np.testing.assert_array_equal(found["down_proj"], outliers)


def test_outlier_channels_cover_everything_when_the_probe_fails(tmp_path):
    """If the calibration run fails, every channel counts, so all stays fp32."""
    path = tmp_path / "probe.onnx"
    _probe_model(path, [1.0] * 8)

    class Broken:
        def preprocess(self, texts):
            raise RuntimeError("no tokenizer")

    found = embeddings._outlier_channels(Broken(), path)
    np.testing.assert_array_equal(found["down_proj"], np.arange(8))
    assert embeddings._split_outlier_channels(path, found) == ["down_proj"]


def test_embed_texts_rejects_bad_arguments():
    """Bad texts, backends and batch sizes are refused before any model work."""
    with pytest.raises(TypeError, match="single string"):
        embed_texts("Age: 58")
    with pytest.raises(TypeError, match=r"texts\[1\] is a int"):
        embed_texts(["a", 3])
    with pytest.raises(ValueError, match="backend='gpu' is not supported; use one"):
        embed_texts(["a"], backend="gpu")
    with pytest.raises(ValueError, match="batch_size=0 must be at least 1"):
        embed_texts(["a"], batch_size=0)


def test_embed_texts_unknown_model_offline_fails_clearly(monkeypatch):
    """A hub model that cannot be fetched raises an error pointing to the default."""
    monkeypatch.setattr(embeddings, "_hub_reachable", lambda: False)
    with pytest.raises(ModelLoadError, match=f"Could not load.*{DEFAULT_MODEL}"):
        embed_texts(["a"], "no-such-owner/no-such-model", backend="torch")


def test_embed_texts_empty_input(tmp_path):
    """No texts give an empty (0, 384) matrix."""
    X = embed_texts([], backend="torch", cache_dir=tmp_path)
    assert X.shape == (0, 384)


# --------------------------------------------------------------------------
# The cache under faults
# --------------------------------------------------------------------------


def planted_vector(seed: int) -> np.ndarray:
    """A reproducible 384-d vector standing for a model output."""
    return np.random.default_rng(seed).normal(size=384).astype(np.float32)


def _write_range(directory: str, start: int, stop: int, ready, go) -> None:
    """Child process: write vectors start..stop-1 in small transactions."""
    cache = EmbeddingCache(directory)
    ready.set()
    go.wait(30)
    for first in range(start, stop, 50):
        cache.put_many(
            (EmbeddingCache.make_key("planted", str(i)), planted_vector(i))
            for i in range(first, min(first + 50, stop))
        )
    cache.close()


def test_cache_two_processes_write_at_once(tmp_path):
    """Two processes writing overlapping ranges together both land every vector."""
    # Fresh interpreters: a forked child inherits the locks that the test
    # process's other threads (ONNX Runtime, OpenMP, Streamlit) hold, and can hang.
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    ready = [context.Event(), context.Event()]
    workers = [
        context.Process(
            target=_write_range, args=(str(tmp_path), 0, 1500, ready[0], go)
        ),
        context.Process(
            target=_write_range, args=(str(tmp_path), 1200, 2700, ready[1], go)
        ),
    ]
    for worker in workers:
        worker.start()
    for event in ready:
        assert event.wait(30)
    go.set()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0]

    with EmbeddingCache(tmp_path) as cache:
        keys = [EmbeddingCache.make_key("planted", str(i)) for i in range(2700)]
        found = cache.get_many(keys)
        assert len(cache) == 2700
    assert len(found) == 2700
    for i in (0, 1199, 1200, 1499, 1500, 2699):
        np.testing.assert_array_equal(found[keys[i]], planted_vector(i))


KILLED_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from segmentation.embeddings import EmbeddingCache

    cache = EmbeddingCache(sys.argv[1])
    for batch in range(100_000):
        cache.put_many(
            (
                EmbeddingCache.make_key("planted", str(i)),
                np.random.default_rng(i).normal(size=384).astype(np.float32),
            )
            for i in range(batch * 200, batch * 200 + 200)
        )
        print(batch, flush=True)
    """
)


def test_cache_survives_a_writer_killed_mid_write(tmp_path):
    """SIGKILL during writes keeps every committed batch and leaves the cache usable."""
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        committed = -1
        for line in writer.stdout:
            committed = int(line)
            if committed >= 10:
                break
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait(30)
    assert writer.returncode == -signal.SIGKILL
    assert committed >= 10

    n_committed = (committed + 1) * 200
    keys = [EmbeddingCache.make_key("planted", str(i)) for i in range(n_committed)]
    with EmbeddingCache(tmp_path) as cache:
        found = cache.get_many(keys)
        assert len(found) == n_committed
        for i in (0, 777, n_committed - 1):
            np.testing.assert_array_equal(found[keys[i]], planted_vector(i))
        extra = EmbeddingCache.make_key("after the crash", "x")
        assert cache.put_many([(extra, planted_vector(1))]) == 1
        np.testing.assert_array_equal(cache.get_many([extra])[extra], planted_vector(1))


@pytest.fixture(scope="module")
def fresh_vectors() -> np.ndarray:
    """fp32 vectors of sample_texts(40), computed without any cache."""
    return embed_texts(sample_texts(40), backend="torch", use_cache=False)


@pytest.fixture
def filled_cache(tmp_path, fresh_vectors) -> tuple[Path, list[str], np.ndarray]:
    """A cache folder holding the fp32 vectors of 40 texts, and those vectors."""
    texts = sample_texts(40)
    fresh = fresh_vectors
    cached = embed_texts(texts, backend="torch", cache_dir=tmp_path)
    np.testing.assert_allclose(cached, fresh, atol=1e-5)
    assert not (tmp_path / "embeddings.sqlite3-wal").exists()
    return tmp_path, texts, fresh


def test_cache_truncated_file_is_recomputed(filled_cache, caplog):
    """A cache file cut short is detected and the right vectors are served."""
    folder, texts, fresh = filled_cache
    path = folder / EmbeddingCache.filename
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)

    with caplog.at_level(logging.WARNING, logger="segmentation.embeddings"):
        served = embed_texts(texts, backend="torch", cache_dir=folder)
    np.testing.assert_allclose(served, fresh, atol=1e-5)
    assert "damaged" in caplog.text or "checksum" in caplog.text
    again = embed_texts(texts, backend="torch", cache_dir=folder)
    np.testing.assert_allclose(again, fresh, atol=1e-5)


def test_cache_corrupted_vector_bytes_are_never_served(filled_cache, caplog):
    """Bytes flipped inside a stored vector fail its checksum and it is recomputed."""
    folder, texts, fresh = filled_cache
    path = folder / EmbeddingCache.filename
    data = bytearray(path.read_bytes())
    with EmbeddingCache(folder) as cache:
        tag = embeddings._backend_tag(embeddings._resolve_model(DEFAULT_MODEL), "torch")
        stored = cache.get_many([EmbeddingCache.make_key(tag, texts[7])])
    blob = next(iter(stored.values())).tobytes()
    offset = data.find(blob)
    assert offset >= 0
    data[offset + 100 : offset + 108] = b"\x7f" * 8
    path.write_bytes(bytes(data))

    with caplog.at_level(logging.WARNING, logger="segmentation.embeddings"):
        served = embed_texts(texts, backend="torch", cache_dir=folder)
    np.testing.assert_allclose(served, fresh, atol=1e-5)
    assert "checksum" in caplog.text


def test_cache_file_that_is_not_a_database_is_moved_aside(filled_cache, caplog):
    """A cache file with a garbled header is renamed aside and replaced."""
    folder, texts, fresh = filled_cache
    path = folder / EmbeddingCache.filename
    data = bytearray(path.read_bytes())
    data[:100] = b"garbage!" * 12 + b"junk"
    path.write_bytes(bytes(data))

    with caplog.at_level(logging.WARNING, logger="segmentation.embeddings"):
        served = embed_texts(texts, backend="torch", cache_dir=folder)
    np.testing.assert_allclose(served, fresh, atol=1e-5)
    assert "damaged" in caplog.text
    assert list(folder.glob("embeddings.sqlite3.corrupt-*"))
    with EmbeddingCache(folder) as cache:
        assert len(cache) == 40


def test_int8_sessions_keep_residual_add_and_layer_norm_apart(tmp_path):
    """The session options stop ONNX Runtime's SkipLayerNormalization fusion."""
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    hidden = 8
    graph = helper.make_graph(
        [
            helper.make_node("Add", ["x", "residual"], ["sum"]),
            helper.make_node(
                "LayerNormalization", ["sum", "gamma", "beta"], ["y"], axis=-1
            ),
        ],
        "residual_norm",
        [
            helper.make_tensor_value_info(name, TensorProto.FLOAT, [2, 3, hidden])
            for name in ("x", "residual")
        ],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3, hidden])],
        initializer=[
            numpy_helper.from_array(np.ones(hidden, np.float32), "gamma"),
            numpy_helper.from_array(np.zeros(hidden, np.float32), "beta"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "residual_norm.onnx"
    onnx.save(model, str(path))
    rng = np.random.default_rng(0)
    feed = {
        name: rng.standard_normal((2, 3, hidden)).astype(np.float32)
        for name in ("x", "residual")
    }

    def optimised_ops(options) -> tuple[set[str], np.ndarray]:
        options.optimized_model_filepath = str(tmp_path / "optimised.onnx")
        session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        (output,) = session.run(["y"], feed)
        ops = {
            node.op_type
            for node in onnx.load(str(tmp_path / "optimised.onnx")).graph.node
        }
        return ops, output

    default_ops, default_out = optimised_ops(onnxruntime.SessionOptions())
    ours_ops, ours_out = optimised_ops(embeddings._int8_session_options(threads=1))
    assert "SkipLayerNormalization" in default_ops  # the fusion this guards against
    assert "SkipLayerNormalization" not in ours_ops
    assert {"Add", "LayerNormalization"} <= ours_ops
    np.testing.assert_allclose(ours_out, default_out, atol=1e-5)


def test_cache_retries_a_busy_file(tmp_path, monkeypatch, caplog):
    """A write that meets "database is locked" is retried, not dropped."""
    import sqlite3

    original = EmbeddingCache._insert
    calls = []

    def busy_once(conn, rows):
        calls.append(len(rows))
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        return original(conn, rows)

    monkeypatch.setattr(EmbeddingCache, "_insert", staticmethod(busy_once))
    key = EmbeddingCache.make_key("planted", "0")
    with EmbeddingCache(tmp_path) as cache:
        assert cache.put_many([(key, planted_vector(0))]) == 1
        np.testing.assert_array_equal(cache.get_many([key])[key], planted_vector(0))
    assert calls == [1, 1]
    assert "unavailable" not in caplog.text


def test_cache_gives_up_on_a_file_busy_past_its_timeout(tmp_path, monkeypatch, caplog):
    """A file that stays busy costs about ``timeout`` seconds, then a warning."""
    import sqlite3

    def always_busy(conn, rows):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(EmbeddingCache, "_insert", staticmethod(always_busy))
    key = EmbeddingCache.make_key("planted", "0")
    with EmbeddingCache(tmp_path, timeout=0.3) as cache:
        began = time.monotonic()
        assert cache.put_many([(key, planted_vector(0))]) == 0
        assert time.monotonic() - began < 5
    assert "unavailable for write (database is locked)" in caplog.text
