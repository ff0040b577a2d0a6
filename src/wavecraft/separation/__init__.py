"""Using learned transforms: cocktail-party separation, blind deconvolution and drum-loop demixing."""

from wavecraft.separation.cocktail import Separation, check_independent, match_references, mix, mixing_matrix, separate

__all__ = ["Separation", "check_independent", "match_references", "mix", "mixing_matrix", "separate"]
