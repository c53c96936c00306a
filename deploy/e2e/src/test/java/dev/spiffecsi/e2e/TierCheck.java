package dev.spiffecsi.e2e;

/** A test class of the tier: {@link CheckReport} adds its checks' results to this tier's report. */
interface TierCheck {

    /** The tier this class runs on; null until its set-up has it. */
    Tier tier();
}
