"""Training the drum transcriber (:mod:`wavecraft.models.drumtranscriber`) on loops sequenced afresh at every step from one-shots.

The run's files are one-shots labelled by drum (the ``drums`` corpus, or
a ``folder:`` with a sub-folder per class); its held-out files are whole
kits where the corpus tags them. Each step sequences ``batch_size``
loops (:func:`sequence_loop`): a tempo of 70 to 180 bpm, a random sound
of every class heard, a random pattern per class in the way that drum is
played (kicks on the beats, snares on the backbeat, hats and rides on
the eighths or crashes on the bar, toms and percussion anywhere and
rarely), every hit at its own velocity, every drum at its own level, the
clip starting on a step (as a sampled loop does, a hit on its first
sample) or anywhere within one; in half the training loops that play
both, the kick rings in sympathy with every snare hit (its sound below
150 Hz, 12 to 30 dB under its own peak, unlabelled: a real kit's snare
shakes the kick's heads, and sub-bass under a snare is no kick; the
held-out loops are left without it, so that their scores compare across
runs); then, each with even chance, a room (noise decaying over 0.1 to
0.6 s, mixed in at 5 to 40 %), a low-pass (second order, 4 kHz to 0.45
of the rate) and saturation (tanh, driven 1 to 4 times): recorded loops
are played in rooms, sampled from vinyl and compressed, one-shots are
dry. Drums struck together are the common case, not the exception, so
the network learns each one under the others. One Adam step on the
binary cross-entropy of every drum's onset frames (1 at the frame
nearest an onset, 1/2 at its neighbours: an onset falls between frames).
The metric that picks ``checkpoints/best`` is 1 - the mean over drums of
the onset F-measure (±50 ms) on :data:`VALIDATION_LOOPS` loops sequenced
once from the held-out kits, each drum's onsets picked over the
threshold of its best F there (:func:`choose_thresholds`): the drums are
not heard with equal confidence (the small preset's kicks choose 0.5 or
0.6, its cymbals 0.2 to 0.4).
"""

from __future__ import annotations

import numpy as np
import scipy.signal
import torch
from torch import nn

from wavecraft.errors import InvalidParameterError
from wavecraft.metrics import onset_f_measure
from wavecraft.models.drumtranscriber import DrumTranscriber, DrumTranscriberConfig, drum_onsets, frame_grid, frames_of, onset_probability
from wavecraft.patterns import render_pattern, step_samples
from wavecraft.train.config import TrainConfig
from wavecraft.train.data import SliceSampler, TrainingData
from wavecraft.train.distributed import World
from wavecraft.train.throughput import FORWARD_BACKWARD
from wavecraft.train.trainer import Trainer

#: Loops sequenced once from the held-out one-shots to score checkpoints on.
VALIDATION_LOOPS = 24
#: Tempi of the training loops, bpm.
TEMPO_RANGE = (70.0, 180.0)
#: Chance that a drum the network transcribes plays in a loop, and that a class it only hears (toms, percussion) does.
DRUM_CHANCE, DISTRACTOR_CHANCE = 0.85, 0.3
#: Each drum's level in a loop, dB, and each hit's velocity, a factor.
LEVEL_DB, VELOCITY = (-15.0, 0.0), (0.3, 1.0)
#: Onset thresholds each drum chooses among on the held-out loops (:func:`choose_thresholds`).
THRESHOLDS = (0.2, 0.3, 0.4, 0.5, 0.6)
#: Chance that a loop starts on a step, as sampled loops do (a hit on the first sample), rather than anywhere within one.
ON_THE_BEAT = 0.5
#: Steps a bar.
BAR = 16
#: Chance that a training loop's kick rings in sympathy with its snare (each snare hit shakes the kick's heads), that ring's level
#: below the kick's, dB, and its low-pass cut-off, Hz: sub-bass under a snare that is no kick of its own.
SYMPATHY_CHANCE, SYMPATHY_DB, SYMPATHY_HZ = 0.5, (-30.0, -12.0), 150.0
#: The rooms' reverberation times (s) and wet shares, the low-pass cut-offs (Hz, and the highest as a fraction of the rate), the drives.
ROOM_SECONDS, ROOM_SHARE, LOWPASS_HZ, LOWPASS_TOP, DRIVE = (0.1, 0.6), (0.05, 0.4), 4000.0, 0.45, (1.0, 4.0)

Loop = tuple[np.ndarray, dict[str, np.ndarray]]


def one_shots(sampler: SliceSampler, model: DrumTranscriberConfig) -> dict[str, list[np.ndarray]]:
    """The sampler's one-shots by class: their first ``sound_samples`` (peak 1), faded out over the last tenth."""
    fade = np.ones(model.sound_samples, np.float32)
    tail = model.sound_samples // 10
    fade[-tail:] = np.linspace(1, 0, tail)
    shots: dict[str, list[np.ndarray]] = {label: [] for label in model.heard}
    for clip, label in zip(sampler.starts(), sampler.labels):
        shots[model.heard[label]].append(clip * fade)
    return shots


def hit_chances(drum: str, steps: int, rng: np.random.Generator) -> np.ndarray:
    """The chance of a hit at each sixteenth of a loop for a drum played the way its class is (a random style of it)."""
    position = np.arange(steps)
    on = rng.uniform(0.4, 1.0)
    if drum == "kick":
        return np.where(position % 4 == 0, on, rng.uniform(0, 0.25))
    if drum == "snare":
        return np.where(position % 8 == 4, on, rng.uniform(0, 0.2))
    if drum == "hihat" or (drum == "cymbal" and rng.random() < 0.5):  # hats, and rides, on the eighths
        return np.where(position % 2 == 0, on, rng.uniform(0, 0.5))
    if drum == "cymbal":  # crashes on the bar
        return np.where(position % BAR == 0, on, 0.03)
    return np.full(steps, rng.uniform(0, 0.2))


def sympathetic_ring(kick: np.ndarray, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """The kick's ring when a snare hit shakes it: its sound below :data:`SYMPATHY_HZ` (second order), peaking a level drawn from
    :data:`SYMPATHY_DB` under the kick's own peak."""
    ring = scipy.signal.sosfilt(scipy.signal.butter(2, SYMPATHY_HZ, fs=sample_rate, output="sos"), kick)
    return ring * 10 ** (rng.uniform(*SYMPATHY_DB) / 20) * np.abs(kick).max() / max(np.abs(ring).max(), 1e-12)


def sequence_loop(shots: dict[str, list[np.ndarray]], model: DrumTranscriberConfig, sample_rate: int, rng: np.random.Generator, *,
                  sympathy: bool = False) -> Loop:
    """One loop of ``clip_samples`` and every transcribed drum's onsets in seconds (see the module docstring); with ``sympathy``
    (training loops) the kick may ring under the snare (:data:`SYMPATHY_CHANCE`)."""
    step = step_samples(rng.uniform(*TEMPO_RANGE), sample_rate)
    offset = 0 if rng.random() < ON_THE_BEAT else int(rng.integers(step))
    steps = -(-(model.clip_samples + offset) // step)
    playing = [label for label, sounds in shots.items()
               if sounds and rng.random() < (DRUM_CHANCE if label in model.drums else DISTRACTOR_CHANCE)]
    if not playing:
        playing = [next(label for label in model.drums if shots[label])]
    sounds = [shots[label][rng.integers(len(shots[label]))] * 10 ** (rng.uniform(*LEVEL_DB) / 20) for label in playing]
    pattern = np.stack([rng.random(steps) < hit_chances(label, steps, rng) for label in playing])
    gains = rng.uniform(*VELOCITY, size=pattern.shape)
    if sympathy and {"kick", "snare"} <= set(playing) and rng.random() < SYMPATHY_CHANCE:  # a last row, the ring, that is no drum
        kick, snare = playing.index("kick"), playing.index("snare")
        sounds.append(sympathetic_ring(sounds[kick], sample_rate, rng))
        pattern, gains = np.vstack([pattern, pattern[snare]]), np.vstack([gains, gains[snare]])
    mix, _, starts = render_pattern(sounds, pattern, 60 * sample_rate / (4 * step), sample_rate,
                                    n_samples=model.clip_samples + offset, gains=gains)
    onsets = {drum: np.zeros(0) for drum in model.drums}
    for label, hits in zip(playing, starts):  # not the ring's
        if label in onsets:
            onsets[label] = (hits[hits >= offset] - offset) / sample_rate
    return recorded(mix[offset:], sample_rate, rng).astype(np.float32), onsets


def recorded(mix: np.ndarray, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """The dry sequenced mix as if recorded: in a room, through a low-pass, saturated, each with even chance (see the module docstring)."""
    if rng.random() < 0.5:
        seconds = rng.uniform(*ROOM_SECONDS)
        t = np.arange(int(seconds * sample_rate)) / sample_rate
        room = rng.standard_normal(t.size) * np.exp(-6.9 * t / seconds)  # -60 dB at the reverberation time
        wet = scipy.signal.fftconvolve(mix, room)[: mix.size]
        share = rng.uniform(*ROOM_SHARE)
        mix = (1 - share) * mix + share * wet * np.linalg.norm(mix) / max(np.linalg.norm(wet), 1e-12)
    if rng.random() < 0.5:
        cutoff = rng.uniform(LOWPASS_HZ, LOWPASS_TOP * sample_rate)
        mix = scipy.signal.sosfilt(scipy.signal.butter(2, cutoff, fs=sample_rate, output="sos"), mix)
    if rng.random() < 0.5:
        drive = rng.uniform(*DRIVE)
        mix = np.tanh(drive * mix / max(np.abs(mix).max(), 1e-12)) / np.tanh(drive)
    return mix


def validation_loops(data: TrainingData, config: TrainConfig) -> list[Loop]:
    """The :data:`VALIDATION_LOOPS` loops that score a run: sequenced from its held-out one-shots (its training ones when none are
    held out) by a generator seeded with the run's seed, so the same every time."""
    shots = one_shots(data.held_out if data.held_out is not None else data.sampler, config.model)
    rng = np.random.default_rng(config.seed)
    return [sequence_loop(shots, config.model, config.sample_rate, rng) for _ in range(VALIDATION_LOOPS)]


def onset_targets(onsets: dict[str, np.ndarray], model: DrumTranscriberConfig, sample_rate: int, frames: int) -> np.ndarray:
    """``(frames, drums)``: 1 at the frame nearest each onset, 1/2 at its neighbours, else 0."""
    hop = frame_grid(sample_rate, model)[1]
    targets = np.zeros((frames + 2, len(model.drums)), np.float32)  # a frame either side, cut off at the end
    for k, drum in enumerate(model.drums):
        nearest = np.round(onsets[drum] * sample_rate / hop).astype(int) + 1
        nearest = nearest[nearest <= frames]
        for shift, value in ((-1, 0.5), (1, 0.5), (0, 1.0)):
            targets[nearest + shift, k] = np.maximum(targets[nearest + shift, k], value)
    return targets[1:-1]


def onset_scores(loops: list[Loop], found: list[dict[str, np.ndarray]], sample_rate: int) -> dict[str, dict[str, float]]:
    """Each drum's onset F-measure, precision and recall (±50 ms) of the onsets ``found`` in each of ``loops``, over all of them
    together; drums none of them plays are left out."""
    span = max(len(audio) for audio, _ in loops) / sample_rate + 1.0  # the loops laid end to end, a second apart
    scores = {}
    for drum in found[0]:
        truth = np.concatenate([onsets[drum] + i * span for i, (_, onsets) in enumerate(loops)])
        if truth.size:
            estimate = np.concatenate([times[drum] + i * span for i, times in enumerate(found)])
            f, precision, recall = onset_f_measure(truth, estimate)
            scores[drum] = {"f": round(f, 4), "precision": round(precision, 4), "recall": round(recall, 4)}
    return scores


def mean_f(scores: dict[str, dict[str, float]]) -> float:
    """The mean over drums of :func:`onset_scores`' F-measures."""
    return float(np.mean([s["f"] for s in scores.values()]))


def threshold_sweep(network: DrumTranscriber, loops: list[Loop], sample_rate: int) -> dict[float, dict[str, dict[str, float]]]:
    """Every drum's scores on ``loops`` (:func:`onset_scores`) at each threshold of :data:`THRESHOLDS`; the network runs once per loop."""
    probabilities = [onset_probability(network, audio) for audio, _ in loops]
    return {threshold: onset_scores(loops, [drum_onsets(p, sample_rate, network.config, threshold) for p in probabilities], sample_rate)
            for threshold in THRESHOLDS}


def choose_thresholds(sweep: dict[float, dict[str, dict[str, float]]]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Each drum's threshold of its best onset F in a :func:`threshold_sweep` (of held-out loops: never the loops to be scored; the
    lowest of equals), and its scores there."""
    thresholds = sorted(sweep)
    chosen = {drum: max(thresholds, key=lambda threshold: sweep[threshold][drum]["f"]) for drum in sweep[thresholds[0]]}
    return chosen, {drum: sweep[threshold][drum] for drum, threshold in chosen.items()}


class DrumTranscriberTrainer(Trainer):
    """The network, its optimiser, the training one-shots by class and the fixed held-out loops."""

    def __init__(self, config: TrainConfig, data: TrainingData, world: World = World(), device: torch.device | None = None) -> None:
        torch.manual_seed(config.seed)
        self.network = DrumTranscriber(config.sample_rate, config.model)
        super().__init__(config, data, {"transcriber": self.network}, {"transcriber": self.network}, world, device)
        self.shots = one_shots(data.sampler, config.model)
        missing = [drum for drum in config.model.drums if not self.shots[drum]]
        if missing:
            raise InvalidParameterError(f"no training one-shots labelled {', '.join(missing)}: a drum transcriber learns each drum it transcribes "
                                        f"from its one-shots (labels {', '.join(config.model.heard)})")
        self.validation = validation_loops(data, config)

    def step_flops(self) -> float:
        """Multiply-adds of the convolutions and the GRU per loop, forward and backward."""
        m = self.config.model
        frames, c, bands = frames_of(m.clip_samples, self.config.sample_rate, m), m.channels, m.mels
        convolutions = 9 * frames * (bands * (2 * c + c * c) + bands // 3 * (c * 2 * c + 4 * c * c))
        gru_inputs = [2 * c * (bands // 9)] + [2 * m.hidden] * (m.layers - 1)
        gru = 2 * frames * sum(3 * (inputs + m.hidden) * m.hidden for inputs in gru_inputs)
        return FORWARD_BACKWARD * 2 * self.config.batch_size * (convolutions + gru + frames * 2 * m.hidden * len(m.drums))

    def train_step(self) -> dict:
        """One Adam step on a batch of freshly sequenced loops."""
        m, rate = self.config.model, self.config.sample_rate
        loops = [sequence_loop(self.shots, m, rate, self.data.sampler.rng, sympathy=True) for _ in range(self.config.batch_size)]
        frames = frames_of(m.clip_samples, rate, m)
        audio = torch.from_numpy(np.stack([audio for audio, _ in loops])).to(self.device)
        targets = torch.from_numpy(np.stack([onset_targets(onsets, m, rate, frames) for _, onsets in loops])).to(self.device)
        with self.autocast():
            logits = self.network(audio)
        loss = nn.functional.binary_cross_entropy_with_logits(logits.float(), targets)
        norm = self.update("transcriber", loss)
        self.step += 1
        return {"step": self.step, "loss": loss.item(), "gradient_norm": norm}

    def metric(self) -> OnsetError:
        """1 - the mean over drums of the onset F-measure on the held-out loops, each drum at its best threshold."""
        return OnsetError(self.network, self.validation, self.config.sample_rate)

    def samples(self) -> np.ndarray:
        """The first two held-out loops."""
        return np.stack([audio for audio, _ in self.validation[:2]])


class OnsetError:
    """1 - the mean over drums of a drum transcriber's onset F-measure on fixed loops, each drum at its best threshold
    (:func:`choose_thresholds`)."""

    name = "onset_error"

    def __init__(self, network: DrumTranscriber, loops: list[Loop], sample_rate: int) -> None:
        self.network, self.loops, self.sample_rate = network, loops, sample_rate

    def __call__(self) -> float:
        """The error for the network now."""
        return 1 - mean_f(choose_thresholds(threshold_sweep(self.network, self.loops, self.sample_rate))[1])
