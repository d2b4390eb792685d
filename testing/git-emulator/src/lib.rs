//! git-emulator (to be written).
