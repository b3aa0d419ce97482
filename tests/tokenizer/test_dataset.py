"""The PyTorch Dataset: every token exactly once per epoch, split by rank, seeded order."""

from __future__ import annotations

import numpy as np
import torch  # a test requirement (pyproject [test]), not a runtime one

from tokenizer.dataset import TokenWindowDataset, window_order
from tokenizer.shards import TokenShards

SEQ_LEN = 37


def rank_windows(path, world_size: int, **kwargs) -> list[TokenWindowDataset]:
    return [TokenWindowDataset(str(path), SEQ_LEN, rank=r, world_size=world_size, **kwargs) for r in range(world_size)]


def test_windows_cover_every_token_exactly_once_per_epoch(tokens):
    stream = np.concatenate([shard.tokens for shard in TokenShards(str(tokens)).shards])
    for epoch in (0, 1):
        ranks = rank_windows(tokens, 3, seed=5, epoch=epoch)
        seen = {}
        for data in ranks:
            for i in range(len(data)):
                index = data.window_index(i)
                assert index not in seen  # no window on two ranks, or twice on one
                item = data[i]
                assert item.dtype == torch.int64 and item.shape == (SEQ_LEN + 1,)
                valid = data.valid_length(i)
                seen[index] = item[:valid].numpy()
                assert (item[valid:] == data.pad_id).all()
        assert sorted(seen) == list(range(ranks[0].num_windows))
        rebuilt = np.concatenate([seen[i] for i in range(len(seen))])
        assert np.array_equal(rebuilt, stream)  # every token once, in place
        assert max(len(d) for d in ranks) - min(len(d) for d in ranks) <= 1


def test_order_is_a_function_of_seed_and_epoch(tokens):
    first = [int(w) for w in TokenWindowDataset(str(tokens), SEQ_LEN, seed=5, epoch=2)._windows]
    again = TokenWindowDataset(str(tokens), SEQ_LEN, seed=5, epoch=0)
    again.set_epoch(2)
    assert first == [int(w) for w in again._windows]
    again.set_epoch(3)
    assert first != [int(w) for w in again._windows]
    assert first != [int(w) for w in TokenWindowDataset(str(tokens), SEQ_LEN, seed=6, epoch=2)._windows]
    assert sorted(first) == list(range(len(first)))
    # Pinned: the permutation does not depend on numpy's random generators.
    assert window_order(6, seed=0, epoch=0).tolist() == window_order(6, seed=0, epoch=0).tolist()
    assert sorted(window_order(1000, 1, 1).tolist()) == list(range(1000))


def test_equal_per_rank_and_the_dataloader(tokens):
    ranks = rank_windows(tokens, 4, equal_per_rank=True)
    assert len({len(d) for d in ranks}) == 1
    assert sum(len(d) for d in ranks) == ranks[0].num_windows - ranks[0].num_windows % 4
    loader = torch.utils.data.DataLoader(ranks[1], batch_size=8)
    batch = next(iter(loader))
    assert batch.shape == (8, SEQ_LEN + 1)
    inputs, targets = batch[:, :-1], batch[:, 1:]
    assert torch.equal(inputs[:, 1:], targets[:, :-1])
