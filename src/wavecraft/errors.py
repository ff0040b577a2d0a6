"""The errors a user can cause.

Every error wavecraft raises on bad input derives from :class:`WavecraftError`.
The command line turns any of them into one line on stderr and exit code 2.
Where a builtin exception means the same thing, the class derives from it too,
so ``except FileNotFoundError`` keeps working.
"""

from __future__ import annotations


class WavecraftError(Exception):
    """Base class of every error caused by bad input, options or data."""


class InvalidParameterError(WavecraftError, ValueError):
    """An option or argument has a value wavecraft cannot use."""


class OutputExistsError(WavecraftError, FileExistsError):
    """An output exists and ``force`` was not given."""


class AudioError(WavecraftError):
    """A file could not be used as audio."""


class AudioFileNotFoundError(AudioError, FileNotFoundError):
    """The audio file does not exist."""


class NotAudioError(AudioError):
    """The file exists but is not in an audio format wavecraft can decode."""


class CorruptAudioError(AudioError):
    """The file is audio but truncated or damaged."""


class EmptyAudioError(AudioError):
    """The file holds no samples (or no bytes)."""


class SilentAudioError(AudioError):
    """The audio is all silence where non-silence is required."""


class NonFiniteAudioError(AudioError):
    """The audio holds NaN or infinite samples."""


class UnsupportedAudioError(AudioError):
    """The sample rate or channel layout is one wavecraft cannot handle."""


class ModelFileError(WavecraftError):
    """A saved basis, vocoder, model or run is missing, damaged, or of another kind."""


class ConvergenceError(WavecraftError):
    """A learner could not converge on the data it was given."""


class CorpusError(WavecraftError):
    """A corpus could not be opened, fetched or described."""


class UnknownCorpusError(CorpusError, KeyError):
    """No corpus has that name."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class FetchError(CorpusError):
    """Downloading or unpacking a corpus failed."""


class ChecksumError(FetchError):
    """A downloaded file does not have the expected checksum."""


def reason(err: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none), for a one-line error."""
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
