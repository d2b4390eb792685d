//! kube-emulator (to be written).
