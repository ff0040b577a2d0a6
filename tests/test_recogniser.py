"""The phoneme recogniser (conv + bidirectional GRU + CTC), its decoders and error rate, and the splits that keep texts and voices apart."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

from wavecraft.ctc import beam_decode, edit_distance, error_rate, greedy_decode
from wavecraft.train.data import split_by_tags
from wavecraft.train.presets import preset

from conftest import BANDS, assert_refused, band_corpus, band_speech, resume_twice

PHONEMES = tuple(sorted(BANDS))
TINY = {"phonemes": PHONEMES, "bands": 16, "width": 32, "hidden": 32, "layers": 1}


def tiny(**changes):
    return preset("recogniser", "small", model_changes=TINY, **({"groups": ("text", "voice"), "held_out": 0.2, "batch_size": 8} | changes))


def best_labelling(log_probs: np.ndarray) -> tuple[int, ...]:
    """The labelling of highest total probability, every alignment summed (brute force over all paths)."""
    totals: dict[tuple[int, ...], float] = {}
    for path in itertools.product(range(log_probs.shape[1]), repeat=len(log_probs)):
        labels = tuple(c for i, c in enumerate(path) if c != 0 and (i == 0 or path[i - 1] != c))
        totals[labels] = totals.get(labels, 0.0) + float(np.exp(sum(log_probs[t, c] for t, c in enumerate(path))))
    return max(totals, key=totals.get)


def test_greedy_merges_repeats_and_drops_blanks() -> None:
    frames = np.log(np.eye(4)[[1, 1, 0, 1, 2, 2, 0, 0, 3]] * 0.97 + 0.01)
    assert greedy_decode(frames) == [1, 1, 2, 3]


def test_beam_search_finds_the_labelling_with_the_most_alignments() -> None:
    # the best single path is all blanks, but "1" summed over its alignments is more probable: greedy says nothing, the beam says 1
    frames = np.log(np.array([[0.4, 0.35, 0.25], [0.4, 0.35, 0.25], [0.4, 0.35, 0.25]]))
    assert greedy_decode(frames) == [] and beam_decode(frames, width=8) == [1] == list(best_labelling(frames))
    rng = np.random.default_rng(0)
    for _ in range(20):
        frames = np.log(rng.dirichlet(np.ones(3) * 0.7, size=5))
        assert tuple(beam_decode(frames, width=64)) == best_labelling(frames)


def test_edit_distance_and_error_rate() -> None:
    assert edit_distance(list("kitten"), list("sitting")) == 3 and edit_distance([], ["a"]) == 1 and edit_distance(["aI", "n"], ["aI", "n"]) == 0
    assert error_rate([["a", "b", "c"], ["d"]], [["a", "c"], ["e", "d"]]) == pytest.approx(2 / 4)


def test_held_out_texts_and_voices_are_never_trained_on_and_agree_across_corpora(tmp_path: Path) -> None:
    voices = band_corpus(tmp_path / "voices", 20, voices=("v1", "v2", "v3", "v4"))
    train, held = split_by_tags(voices, ("text", "voice"), 0.25, seed=0)
    for tag in ("text", "voice"):
        assert {e.tags[tag] for e in train}.isdisjoint(e.tags[tag] for e in held)
    assert len({e.tags["voice"] for e in held}) == 1 and len({e.tags["text"] for e in held}) == 5 and len(train) == 15 * 3
    paired = band_corpus(tmp_path / "paired", 20)  # the same texts (same seed), one voice, two channels
    assert {e.tags["text"] for e in split_by_tags(paired, ("text",), 0.25, seed=0)[1]} == {e.tags["text"] for e in held}


def test_a_short_utterance_decodes_the_same_however_long_the_batch_it_is_padded_in() -> None:
    """Packed sequences: the backward GRU starts at the utterance's own end, not at the batch's; its mean is over its own frames."""
    from wavecraft.models.recogniser import RecogniserConfig, build_recogniser

    network = build_recogniser(RecogniserConfig(**TINY), 16_000, seed=0).eval()
    audio = torch.randn(2, 1, 16_000)
    audio[1, 0, 6000:] = 0
    with torch.no_grad():
        long, frames = network(audio, torch.tensor([16_000, 6000]))
        short, _ = network(audio[:, :, :9000], torch.tensor([9000, 6000]))
    assert frames.tolist() == [63, 24] == [(16_000 // 128) // 2 + 1, (6000 // 128) // 2 + 1]
    torch.testing.assert_close(long[:24, 1], short[:24, 1], atol=1e-5, rtol=1e-5)
    assert torch.allclose(long.exp().sum(-1), torch.ones(63, 2))


@pytest.fixture(scope="session")  # trained once per worker: its tests are one xdist_group
def trained(tmp_path_factory: pytest.TempPathFactory):
    from wavecraft.train.loop import Schedule, train_run

    folder = tmp_path_factory.mktemp("recogniser")
    corpus = band_corpus(folder / "voices", 30, voices=("v1", "v2", "v3"))
    torch.set_num_threads(1)
    trainer = train_run(corpus, folder / "run", tiny(), Schedule(steps=300, checkpoint_every=150))
    return folder, trainer


@pytest.mark.slow  # shares a trained run (10 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("recogniser-run")
def test_it_learns_to_read_unheard_texts_in_an_unheard_voice(trained) -> None:
    from wavecraft.speech import load_recogniser

    folder, trainer = trained
    assert len(trainer.data.held_out.signals) == 6 and trainer.best["validation_per"] < 0.1
    model = load_recogniser(folder / "run")
    signals, targets = trainer.validation()
    references = [[PHONEMES[i] for i in t] for t in targets]
    greedy, beam = (error_rate(references, model.recognise(signals, beam=b)) for b in (1, 8))
    assert greedy == pytest.approx(trainer.best["validation_per"], abs=1e-5) and beam <= greedy + 0.05


@pytest.mark.slow  # shares a trained run (10 s to train, once per worker): make test-all runs it
@pytest.mark.xdist_group("recogniser-run")
def test_recognise_prints_the_phonemes_of_each_file(trained, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main

    folder, trainer = trained
    held = [trainer.data.held_out.paths[i] for i in range(3)]
    files = [str(folder / "voices" / path) for path in held]
    capsys.readouterr()
    assert main(["recognise", str(folder / "run"), *files, "--beam", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    said = [line.split(": ", 1)[1].split() for line in lines]
    assert [line.split(": ")[0] for line in lines] == files
    assert error_rate([Path(p).stem.split("-")[1:] for p in held], said) < 0.2
    (tmp_path / "silent.wav").write_bytes((folder / "voices" / held[0]).read_bytes()[:44])
    assert_refused({"not a recogniser": ["recognise", str(tmp_path), files[0]],
                    "an empty file": ["recognise", str(folder / "run"), str(tmp_path / "silent.wav")],
                    "a beam of 0": ["recognise", str(folder / "run"), files[0], "--beam", "0"]}, capsys)


@pytest.mark.slow  # the loop's resume, with this trainer's draws
def test_training_resumes_bit_exactly(tmp_path: Path) -> None:
    corpus = band_corpus(tmp_path / "voices", 12, voices=("v1", "v2"))
    resume_twice(corpus, tmp_path, tiny(held_out=0.3))


def test_the_train_command_reads_the_inventory_and_refuses_a_corpus_without_phonemes(tmp_path: Path, sound_folder: Path,
                                                                                    capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main
    from wavecraft.train.checkpoints import read_run_config

    band_speech(tmp_path / "tree" / "all", 8, voices=("v1",))  # a folder corpus: label the folder, no tags (split by file)
    (tmp_path / "tree" / "phonemes.json").write_text((tmp_path / "tree" / "all" / "phonemes.json").read_text().replace('"v1/', '"all/v1/'))
    run = tmp_path / "run"
    assert main(["train", "recogniser", f"folder:{tmp_path / 'tree'}", "--out", str(run), "--steps", "2", "--frontend", "sinc"]) == 0
    config = read_run_config(run)[0]
    assert config.model.phonemes == PHONEMES and config.model.frontend == "sinc" and config.groups == ()
    assert_refused({"no phonemes.json": ["train", "recogniser", f"folder:{sound_folder}", "--out", str(tmp_path / "r2")]}, capsys)
