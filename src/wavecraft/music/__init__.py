"""Music: notes, their MIDI files and piano rolls, rendering them to audio (fluidsynth and a General-MIDI soundfont, or additive
synthesis), and the chords the chord recogniser learns."""
