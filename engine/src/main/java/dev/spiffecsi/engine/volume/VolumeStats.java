package dev.spiffecsi.engine.volume;

import dev.spiffecsi.engine.os.FileSystemUsage;
import dev.spiffecsi.spi.VolumeCondition;

/**
 * NodeGetVolumeStats' answer: the backend's condition of the volume and the kernel's usage of its file system.
 * Both are always there: kubelet 1.31 discards an answer without usage, and with it the condition.
 */
public record VolumeStats(VolumeCondition condition, FileSystemUsage usage) {}
