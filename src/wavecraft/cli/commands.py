"""Every ``wavecraft`` command: the module of :mod:`wavecraft.cli` that registers it, and its one-line summary.

The table lets ``wavecraft --help`` list every command, and a command run
import only its own module (and through it only what it needs), so the
command line starts in well under a second instead of importing torch,
scikit-learn and matplotlib for every call.
"""

from __future__ import annotations

#: command -> (module of wavecraft.cli that registers it, one-line summary)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "fetch the default corpora, draw ensembles, compare six bases on drums and speech"),
    "corpus": ("corpus", "list, fetch and describe corpora"),
    "learn": ("bases", "learn a basis (PCA, ICA, sparse coding, RBM) from a corpus"),
    "compare": ("bases", "compare bases on held-out slices; writes an HTML report"),
    "resynth": ("bases", "rebuild a file from the K largest coefficients of each frame"),
    "hops": ("bases", "reconstruction and rate-distortion of bases against the hop and window pair; writes an HTML report"),
    "mix": ("separation", "instantaneous mixtures of N sources with a random matrix"),
    "separate": ("separation", "unmix N mixtures into independent sources (ICA)"),
    "deconvolve": ("separation", "undo an unknown filter (echoes, colouring) by Infomax blind deconvolution"),
    "demix": ("demix", "split a drum loop into stems, onsets and one-shot sounds (NMF/NMFD, optionally informed by a drum transcriber)"),
    "reprogram": ("demix", "render a new pattern with the sounds a demix recovered"),
    "vocoder": ("vocoder", "PCA vocoder: learn, run and evaluate"),
    "vocode": ("vocode", "audio for mel features (of a file, its PCA vocoder code, or a .npy) with a WaveNet vocoder"),
    "classifier": ("classifier", "train and evaluate raw-audio classifiers"),
    "probe": ("classifier", "impulse responses, spectra and tiling of every layer of a model"),
    "train": ("train", "train generative, translation, frame, WaveNet, recogniser, seq2seq, text-to-speech, TDNN, chord, transcription "
                       "and melody models"),
    "generate": ("gan", "sample clips from a trained run (a frames or WaveNet run: of any length; a melody run: pieces as MIDI and WAV)"),
    "continue": ("gan", "continue a prompt with a frames run, frame by frame"),
    "interpolate": ("gan", "clips along a straight line between two latent vectors, or two labels"),
    "export": ("gan", "the generator as a torch.export program or an ONNX model (z -> output), loadable without wavecraft"),
    "evaluate": ("gan", "inception score, Fréchet distances (classifier, log-mel), NDB/K, label accuracy and memorisation of a run, "
                        "beside the real data's (melody runs: Mogren's statistics side by side, and a page of rendered examples)"),
    "enhance": ("translate", "denoise, decorrupt or translate a file with a trained enhance, decorrupt or paired run"),
    "upsample": ("translate", "extend a file's bandwidth with a trained superres run"),
    "speak": ("translate", "text to speech with a tts run (frames or cgan), or a paired run trained on the phonemes corpus (espeak-ng's phonemes in)"),
    "features": ("features", "DFT, MFCC, PCA, ICA and deep-belief-network features of a labelled corpus, each judged by an SVM and t-SNE"),
    "listen": ("listen", "score a recogniser run (tdnn, chords, transcriber, drum-transcriber) on held-out data beside its baseline; writes an HTML page"),
    "recognise": ("recognise", "the phonemes a recogniser run hears in audio files (greedy or beam-search CTC decoding)"),
    "manifold": ("manifold", "Bach's four-note melodies as points of [0, 1]^4 beside twelve-tone rows and random melodies: a density, a map"),
    "render": ("render", "a MIDI file, a score or a chorale as audio, through fluidsynth and a General-MIDI soundfont"),
    "audio": ("audio", "inspect and convert audio files"),
}


def summary(command: str) -> str:
    """The one-line help of ``command``."""
    return COMMANDS[command][1]
