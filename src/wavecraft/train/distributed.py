"""Data-parallel training across processes: ``torchrun --nproc_per_node N -m wavecraft train ...``.

torchrun sets ``RANK``, ``WORLD_SIZE`` and the rendezvous variables; every
process then trains a replica on its own data (the sampler and torch's random
state are seeded with ``seed + rank``) and
:class:`~torch.nn.parallel.DistributedDataParallel` averages the gradients,
over gloo on CPU or NCCL on GPU. Rank 0 alone writes checkpoints, logs and
the progress bar; checkpoints keep every rank's random state, so a
distributed run resumes exactly with the same number of processes.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import torch
import torch.distributed as dist
from torch import nn

from wavecraft.errors import WavecraftError

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    """This process's rank and the number of processes (1 when not distributed)."""

    rank: int = 0
    size: int = 1

    @property
    def main(self) -> bool:
        """Whether this process writes (rank 0)."""
        return self.rank == 0


def threads_per_process() -> int:
    """torch's thread count divided among the processes torchrun started on this machine (at least 1).

    torch starts one thread per core (unless ``OMP_NUM_THREADS`` or the
    caller said otherwise); two processes on two cores left at that would run
    four threads that wait for one another.
    """
    return max(1, torch.get_num_threads() // int(os.environ.get("LOCAL_WORLD_SIZE", "1")))


def join(device: torch.device) -> World:
    """Join the process group torchrun describes in the environment (gloo on CPU, NCCL on CUDA); a single process otherwise."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size == 1:
        return World()
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return World(dist.get_rank(), dist.get_world_size())


def leave(world: World) -> None:
    """Wait for every rank, then leave the process group (a process that exits inside it aborts)."""
    if world.size > 1 and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def main_first(make: Callable[[], T], world: World) -> T:
    """``make()`` on rank 0, then on the others (which then find what rank 0 wrote, e.g. a generated corpus).

    When rank 0 fails, every rank raises, rather than waiting for it forever.
    """
    if world.size == 1:
        return make()
    value, failure = None, None
    if world.main:
        try:
            value = make()
        except Exception as err:  # noqa: BLE001 - re-raised below, after telling the other ranks
            failure = err
    if any_rank(failure is not None, world):
        raise failure if failure is not None else WavecraftError("rank 0 failed; see its error")
    return value if world.main else make()


def parallel(module: nn.Module, world: World) -> nn.Module:
    """``module`` wrapped in DistributedDataParallel when distributed, else itself.

    Gradients are views of the communication buckets (no copy). The first convolution's kernel has one input
    channel, whose gradient strides differ from the bucket's in that size-1 dimension only; torch warns about it
    although nothing is slower or wrong, so that one warning is silenced.
    """
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    return nn.parallel.DistributedDataParallel(module, gradient_as_bucket_view=True) if world.size > 1 else module


def gathered(value: object, world: World) -> list[object]:
    """Every rank's ``value`` (a JSON-able object), in rank order."""
    if world.size == 1:
        return [value]
    out: list[object] = [None] * world.size
    dist.all_gather_object(out, value)
    return out


def any_rank(flag: bool, world: World) -> bool:
    """True on every rank when ``flag`` is true on one."""
    if world.size == 1:
        return flag
    value = torch.tensor([float(flag)])
    dist.all_reduce(value, op=dist.ReduceOp.MAX)
    return bool(value.item())


def replica_spread(module: nn.Module, world: World) -> float:
    """The largest difference of any parameter between ranks (0 when the replicas are identical)."""
    if world.size == 1:
        return 0.0
    flat = torch.cat([p.detach().flatten().cpu().double() for p in module.parameters()])
    high, low = flat.clone(), flat.clone()
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    return float((high - low).max())


def barrier(world: World) -> None:
    """Wait for every rank."""
    if world.size > 1:
        dist.barrier()
