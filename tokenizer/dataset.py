"""A PyTorch map-style Dataset of (seq_len + 1)-token windows over token shards.

The shards of a `dataprep tokenize` output, in manifest order, are one token stream (the
documents in it are already shuffled, each followed by EOS). It is cut into consecutive,
non-overlapping windows of seq_len + 1 tokens (inputs = window[:-1], targets = window[1:]),
so every token is in exactly one window per epoch; the last window is padded (with the
tokenizer's pad id, else EOS) when the stream does not divide evenly, and `valid_length`
says how much of it is real.

Each epoch orders the windows by a hash of (seed, epoch, window) — a pure function, the same
on every machine and numpy version — and rank r of world_size takes every world_size-th
window of that order. Ranks then differ by at most one window; `equal_per_rank=True` drops
the last (windows mod world_size) of the order so all ranks step together (DDP), which skips
those windows for that epoch only.

torch is imported when a Dataset is made, not when this module is imported:

    from tokenizer.dataset import TokenWindowDataset
    data = TokenWindowDataset("out/tokens", seq_len=2048, rank=rank, world_size=world, seed=0)
    for epoch in range(epochs):
        data.set_epoch(epoch)
        for batch in torch.utils.data.DataLoader(data, batch_size=8, num_workers=2):
            inputs, targets = batch[:, :-1], batch[:, 1:]
"""

from __future__ import annotations

import numpy as np

from tokenizer import TokenizerError
from tokenizer.shards import TokenShards

_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(values: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer on a uint64 array: a fixed, well-mixed bijection."""
    with np.errstate(over="ignore"):
        z = values + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def window_order(num_windows: int, seed: int, epoch: int) -> np.ndarray:
    """The epoch's permutation of window numbers: sorted by a hash of (seed, epoch, window)."""
    salt = _splitmix64(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64))
    salt = _splitmix64(salt ^ np.uint64(epoch & 0xFFFFFFFFFFFFFFFF))
    keys = _splitmix64(np.arange(num_windows, dtype=np.uint64) ^ salt)
    return np.argsort(keys, kind="stable")


class TokenWindowDataset:
    """Windows of seq_len + 1 tokens for this rank, in this epoch's order; items are int64 tensors."""

    def __init__(self, path: str, seq_len: int, *, rank: int = 0, world_size: int = 1, seed: int = 0,
                 epoch: int = 0, pad_id: int | None = None, equal_per_rank: bool = False, format: str = "megatron"):
        try:
            import torch
        except ImportError:
            raise ImportError("TokenWindowDataset needs PyTorch: pip install torch") from None
        if seq_len < 1:
            raise TokenizerError(f"seq_len must be ≥ 1, got {seq_len}")
        if not 0 <= rank < world_size:
            raise TokenizerError(f"rank {rank} is not in 0…{world_size - 1}")
        del torch  # imported again (cheaply) per item: a module does not pickle to DataLoader workers
        self._args = dict(path=path, seq_len=seq_len, rank=rank, world_size=world_size, seed=seed, pad_id=pad_id,
                          equal_per_rank=equal_per_rank, format=format)
        self.shards = TokenShards(path, format)
        tokenizer = self.shards.manifest["tokenizer"]
        self.pad_id = pad_id if pad_id is not None else (
            tokenizer["pad_id"] if tokenizer.get("pad_id", -1) >= 0 else tokenizer["eos_id"])
        self.seq_len = seq_len
        self.window = seq_len + 1
        self.rank, self.world_size, self.seed = rank, world_size, seed
        self.equal_per_rank = equal_per_rank
        self.num_windows = -(-self.shards.num_tokens // self.window)
        self.set_epoch(epoch)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        order = window_order(self.num_windows, self.seed, epoch)
        if self.equal_per_rank:
            order = order[: len(order) - len(order) % self.world_size]
        self._windows = order[self.rank:: self.world_size]

    def __len__(self) -> int:
        return len(self._windows)

    def window_index(self, i: int) -> int:
        """The global window number of this rank's i-th item: tokens [w * (seq_len+1), …)."""
        return int(self._windows[i])

    def window_tokens(self, i: int) -> np.ndarray:
        """The real tokens of item i (shorter than seq_len + 1 only for the stream's last window)."""
        start = self.window_index(i) * self.window
        return self.shards.tokens(start, start + self.window)

    def valid_length(self, i: int) -> int:
        return len(self.window_tokens(i))

    def __getitem__(self, i: int):
        if not -len(self) <= i < len(self):
            raise IndexError(f"window {i} of {len(self)}")
        tokens = self.window_tokens(i % len(self))
        out = np.full(self.window, self.pad_id, dtype=np.int64)
        out[: len(tokens)] = tokens
        import torch

        return torch.from_numpy(out)

    def __getstate__(self) -> dict:
        # Workers reopen the memmaps instead of receiving copies of the shards.
        return {"args": self._args, "epoch": self.epoch}

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state["args"], epoch=state["epoch"])
