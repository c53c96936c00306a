package dev.spiffecsi.hostile;

import com.google.protobuf.Message;

/** One step of the CSI fuzzer: a call, a call as raw (possibly undecodable) bytes, or a change on disk. */
sealed interface FuzzStep {

    /**
     * A well-typed request.
     *
     * @param label      what was done to it ({@code kubelet} when nothing), for the tallies
     * @param mustRefuse why OK would be wrong (a path outside the pods directory, an attribute a pod may not set),
     *                   or {@code null} when OK is a fine answer
     * @param target     its target_path or volume_path, for the bookkeeping of what may be published
     */
    record Call(CsiRpc rpc, Message request, String label, String mustRefuse, String volumeId, String target)
            implements FuzzStep {}

    /** A request's serialized bytes, mutated: flipped, cut or padded, so that it may not even decode. */
    @SuppressWarnings("ArrayRecordComponent") // bytes sent as they are, never compared
    record RawCall(CsiRpc rpc, byte[] bytes, String label) implements FuzzStep {}

    /**
     * A symlink swapped in (or the real directory swapped back) at a trap pod's volume directory, the parent of its
     * target path, or at the target itself.
     */
    record Swap(int trap, SwapKind kind) implements FuzzStep {}

    enum SwapKind {
        /** The volume directory (the target's parent) becomes a symlink into the sentinel tree, or back. */
        PARENT,
        /** The target itself becomes a symlink into the sentinel tree, or is removed again. */
        TARGET
    }
}
