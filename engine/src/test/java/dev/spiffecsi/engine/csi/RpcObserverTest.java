package dev.spiffecsi.engine.csi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RpcObserverTest {

    @Test
    void durationsHaveThreeDecimalsOfMilliseconds() {
        assertEquals("0.751ms", RpcObserver.milliseconds(751_000));
        assertEquals("0.005ms", RpcObserver.milliseconds(5_999));
        assertEquals("0.040ms", RpcObserver.milliseconds(40_000));
        assertEquals("1234.567ms", RpcObserver.milliseconds(1_234_567_890));
        assertEquals("0.000ms", RpcObserver.milliseconds(-3));
    }
}
