"""The torch-free safetensors reader: the same bits as torch's reader, one error text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from mgit_lab.core.errors import InvalidInput
from mgit_lab.core.io.safetensors_file import read_safetensors
from mgit_lab.core.io.sources import load_source

ROOT = Path(__file__).resolve().parents[3]


def every_dtype() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 5, generator=g)
    return {
        "f64": x.double(),
        "f32": x,
        "f16": x.half(),
        "bf16": x.bfloat16(),
        "i64": (x * 100).long(),
        "i32": (x * 100).int(),
        "i16": (x * 100).short(),
        "i8": (x * 10).to(torch.int8),
        "u8": (x.abs() * 10).to(torch.uint8),
        "bool": x > 0,
        "scalar": torch.tensor(3.5),
        "empty": torch.zeros(0, 4),
        "nan": torch.tensor([float("nan"), -0.0, float("inf")]),
    }


def test_same_bits_as_the_torch_reader(tmp_path):
    path = tmp_path / "m.safetensors"
    save_file(every_dtype(), path, metadata={"note": "x"})
    ours = read_safetensors(path)
    assert ours is not None
    theirs = load_source(path).state
    assert sorted(ours) == sorted(theirs)
    for k, (a, d) in theirs.items():
        b, e = ours[k]
        assert (e, b.dtype, b.shape) == (d, a.dtype, a.shape) and b.tobytes() == a.tobytes(), k
        assert b.flags.writeable


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[:5], "shorter than its header"),
        (lambda b: (10**9).to_bytes(8, "little") + b[8:], "does not fit the file"),
        (lambda b: b[:8] + b"X" + b[9:], "not JSON"),
        (lambda b: b[:-4], "do not match its dtype and shape"),
    ],
)
def test_damaged_files_get_the_readers_one_error(tmp_path, damage, message):
    path = tmp_path / "m.safetensors"
    save_file({"w": torch.ones(4, 4)}, path)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(InvalidInput, match=f"is not a readable safetensors file: .*{message}") as err:
        read_safetensors(path)
    assert err.value.hint == "check that the file is complete and not corrupted"


def test_mgit_add_of_a_safetensors_file_does_not_import_torch(tmp_path):
    save_file({"w": torch.ones(8, 8), "b": torch.zeros(8)}, tmp_path / "base.safetensors")
    save_file({"w": torch.ones(8, 8) * 1.01, "b": torch.zeros(8)}, tmp_path / "ft.safetensors")
    probe = (
        "import sys; from mgit_lab.cli import main\n"
        "assert main(['init', '.']) == 0 and main(['add', 'base.safetensors']) == 0\n"
        "assert main(['add', 'ft.safetensors']) == 0\n"
        "print('torch' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "False"
    assert "as a finetune of base" in proc.stdout


def test_the_files_record_gives_the_same_tensors_over_its_own_bytes(tmp_path):
    # `mgit add` takes the tensors from the bytes its files record mapped and hashed, not
    # from a second read: the same names in the header's order, dtypes and bits
    from mgit_lab.core.io.file_record import record_source

    path = tmp_path / "m.safetensors"
    save_file(every_dtype(), path, metadata={"note": "x"})
    rec = record_source(path)
    assert rec is not None
    state = rec.safetensors_state()
    ours = read_safetensors(path)
    assert state is not None and ours is not None
    assert list(state) == list(ours)
    buf = rec.pending[0].buf
    for k, (a, d) in ours.items():
        b, e = state[k]
        assert (e, b.dtype, b.shape) == (d, a.dtype, a.shape) and b.tobytes() == a.tobytes(), k
        if b.size:  # a read-only view of the mapped file, never a copy
            assert not b.flags.writeable
            assert np.shares_memory(b, np.frombuffer(buf, dtype=np.uint8))
    rec.finish_hashes()
    import hashlib

    assert rec.pending[0].entry.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_dtype_mgit_keeps_as_raw_bytes_goes_to_the_torch_reader(tmp_path):
    from mgit_lab.core.io.file_record import record_source

    path = tmp_path / "m.safetensors"
    save_file({"w": torch.zeros(4).to(torch.float8_e4m3fn), "b": torch.ones(2)}, path)
    rec = record_source(path)
    assert rec is not None and rec.safetensors_state() is None
    assert read_safetensors(path) is None  # the same decision as the torch-free reader's
