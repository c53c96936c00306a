package dev.spiffecsi.e2e;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;

/** deploy/kubernetes/overlays/fuse-proxy, deployed for real through its test overlay. */
@Order(3)
@DisplayName("fuse-proxy (fuse-proxy)")
class FuseProxyOverlayIT extends OverlayEndToEnd {

    FuseProxyOverlayIT() {
        super(Backend.FUSE_PROXY);
    }
}
