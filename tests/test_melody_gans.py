"""The adversarial models of scores: C-RNN-GAN's tuples, pretraining, freezing; SeqGAN's roll-outs and policy gradient; the comparison page."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from wavecraft.music.scores import Event, Score
from wavecraft.music.tuples import decode_tuples, encode_tuples

from conftest import assert_refused, motif_scores


def test_scores_become_note_tuples_and_back() -> None:
    score = Score("s", {"soprano": (Event(60, 0.0, 1.0), Event(62, 1.0, 0.5, 100)), "bass": (Event(48, 0.0, 2.0),)})
    rows = encode_tuples(score, ("soprano", "bass"))
    # one row per onset: Δ-onset, then length, pitch, velocity of each voice (zeros where it starts no note)
    np.testing.assert_allclose(rows, [[0, 1 / 8, 24 / 48, 80 / 127, 2 / 8, 12 / 48, 80 / 127], [1 / 8, 0.5 / 8, 26 / 48, 100 / 127, 0, 0, 0]],
                               atol=1e-6)
    assert decode_tuples(rows, ("soprano", "bass")).voices == score.voices
    jittered = decode_tuples(rows + np.array([0.01, 0.005, 0.009, 0.003, 0.0, -0.009, 0.0]), ("soprano", "bass"))
    assert jittered.voices == score.voices  # off-lattice values land on the sixteenth and the semitone


def collection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache whose chorales are the motif collection, for this test's process."""
    cache = tmp_path / "cache"
    (cache / "corpora" / "chorales").mkdir(parents=True)
    (cache / "corpora" / "chorales" / "scores.json").write_text(json.dumps(motif_scores(40)))
    monkeypatch.setenv("WAVECRAFT_CACHE", str(cache))
    torch.set_num_threads(1)
    return cache


def tiny(model: str, **changes) -> object:
    """A small melody config of ``model`` on the motif collection."""
    from wavecraft.train.presets import preset

    return preset("melody", "small", model_changes={"model": model, "hidden": 64, "layers": 1, "window": 16, "transpose": 0, **changes},
                  held_out=0.2, learning_rate=3e-3)


def fresh(config) -> object:
    """The trainer of ``config``, prepared as a new run is."""
    from wavecraft.music.scores import collection_corpus
    from wavecraft.train.data import training_data
    from wavecraft.train.loop import build_trainer

    trainer = build_trainer(config, training_data(collection_corpus("chorales"), config))
    trainer.prepare()
    return trainer


@pytest.mark.slow  # 5 s of pre-training: make test-all runs it
def test_crnngan_pretraining_learns_the_collection_and_its_game_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wavecraft.music.scores import collection_corpus
    from wavecraft.train.loop import Schedule, train_run

    collection(tmp_path, monkeypatch)
    config = tiny("crnngan", pretrain=600)
    untrained = fresh(config).metric()()
    trainer = train_run(collection_corpus("chorales"), tmp_path / "run", config, Schedule(steps=640, checkpoint_every=40))
    best = json.loads((tmp_path / "run" / "checkpoints" / "best" / "best.json").read_text())
    assert untrained > 1.2 and best["histogram_distance"] < 0.9  # pitch-class + interval distance to held-out pieces (2 disjoint)
    game = [h for h in trainer.history if h["step"] > 600]  # logged every 10 steps
    assert len(game) == 4 and all(np.isfinite(h["d_loss"]) and np.isfinite(h["feature_matching_loss"]) for h in game)
    assert any("g_gradient_norm" in h for h in game) and any("d_gradient_norm" in h for h in game)  # each player moved


def test_crnngan_freezes_the_player_that_leads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    collection(tmp_path, monkeypatch)
    trainer = fresh(tiny("crnngan", pretrain=0))
    with torch.no_grad():  # a discriminator that calls every window real: the generator leads by far
        trainer.discriminator.out.weight.zero_()
        trainer.discriminator.out.bias.fill_(10.0)
    generator = [p.clone() for p in trainer.generator.parameters()]
    discriminator = [p.clone() for p in trainer.discriminator.parameters()]
    losses = trainer.train_step()
    assert losses["g_frozen"] == 1.0 and losses["d_frozen"] == 0.0 and losses["g_loss"] < 0.7 * losses["d_loss"]
    assert all(torch.equal(a, b) for a, b in zip(generator, trainer.generator.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(discriminator, trainer.discriminator.parameters()))


def test_rollout_rewards_hold_in_blocks_and_end_with_the_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wavecraft.models.melody import sample
    from wavecraft.models.seqgan import rollout_rewards

    collection(tmp_path, monkeypatch)
    trainer = fresh(tiny("seqgan", pretrain=0, reward_every=4, rollouts=3))
    tokens = sample(trainer.network, 5, 16, torch.Generator().manual_seed(0))
    rewards = rollout_rewards(trainer.network, trainer.discriminator, tokens, rollouts=3, every=4, generator=None)
    assert rewards.shape == (5, 16) and ((rewards > 0) & (rewards < 1)).all()
    assert (rewards.reshape(5, 4, 4) == rewards.reshape(5, 4, 4)[..., :1]).all()  # one reward a block of four steps
    verdict = torch.sigmoid(trainer.discriminator(tokens[:, 1:]))
    torch.testing.assert_close(rewards[:, -1], verdict)  # the last block's reward is the window's own verdict


def test_seqgan_pretraining_is_the_lstm_and_its_policy_gradient_climbs_the_reward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from wavecraft.models.melody import sample

    collection(tmp_path, monkeypatch)
    lstm, seqgan = fresh(tiny("lstm")), fresh(tiny("seqgan", pretrain=20))
    for _ in range(20):
        lstm.train_step(), seqgan.train_step()
    assert all(torch.equal(a, b) for a, b in zip(lstm.network.parameters(), seqgan.network.parameters()))  # batch for batch the same

    def judged() -> float:  # the discriminator's mean verdict on 256 windows the policy draws with one seed
        torch.manual_seed(7)
        with torch.no_grad():
            return torch.sigmoid(seqgan.discriminator(sample(seqgan.network, 256, 16, None)[:, 1:])).mean().item()

    for _ in range(5):
        seqgan.discriminator_step()
    before = judged()
    for _ in range(30):  # the discriminator held still: the policy alone moves
        seqgan.policy_step()
    assert judged() > 2 * before  # measured: 0.033 -> 0.085


@pytest.mark.slow  # 15 s: three GANs trained and compared: make test-all runs it
def test_training_melody_gans_and_comparing_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from wavecraft.cli import main

    collection(tmp_path, monkeypatch)
    common = ["--preset", "small", "--steps", "30", "--checkpoint-every", "30", "--pretrain", "20", "--window", "16", "--threads", "1"]
    for model in ("crnngan", "seqgan"):
        assert main(["train", "melody", "chorales", "--model", model, "--out", str(tmp_path / model), *common]) == 0
    assert main(["train", "melody", "chorales", "--voices", "all", "--out", str(tmp_path / "four"), *common]) == 0
    assert main(["generate", str(tmp_path / "crnngan"), "-n", "2", "--seconds", "4", "--synth", "additive", "--out", str(tmp_path / "pieces")]) == 0
    made = json.loads((tmp_path / "pieces" / "summary.json").read_text())
    assert made["model"] == "crnngan" and "temperature" not in made and (tmp_path / "pieces" / "piece-01.mid").is_file()
    report, summary = tmp_path / "report", tmp_path / "comparison.json"
    assert main(["evaluate", str(tmp_path / "crnngan"), str(tmp_path / "seqgan"), "-n", "4", "--report", str(report), "--synth", "additive",
                 "--json", str(summary)]) == 0
    result = json.loads(summary.read_text())
    crnngan, seqgan = result["models"]
    assert (crnngan["model"], seqgan["model"]) == ("crnngan", "seqgan") and crnngan["held_out_nll"] is None and seqgan["held_out_nll"] > 0
    assert result["held_out"]["statistics"]["scale_consistency"] == 1.0  # the motif's C major
    page = (report / "index.html").read_text()
    assert page.count("<audio") == 9 and "Bach" in page
    for folder in ("held-out", "model-0", "model-1"):  # three examples each, as MIDI and WAV, held-out pieces by their names
        assert len(list((report / folder).glob("*.mid"))) == 3 and all(w.stat().st_size > 1000 for w in (report / folder).glob("*.wav"))
    assert "held-out NLL" in capsys.readouterr().out
    assert_refused({"runs of other voices": ["evaluate", str(tmp_path / "seqgan"), str(tmp_path / "four")],
                    "a window shorter than the discriminator's widest filter": ["train", "melody", "chorales", "--model", "seqgan",
                                                                                 "--window", "8", "--out", str(tmp_path / "w")],
                    "a window no memory holds": ["train", "melody", "chorales", "--model", "seqgan", "--window", "100000000000", "--out",
                                                 str(tmp_path / "w")],
                    "an existing report": ["evaluate", str(tmp_path / "seqgan"), "--report", str(report)]}, capsys)
