package dev.spiffecsi.e2e;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;

@Order(7)
@DisplayName("helm release (fuse-proxy)")
class HelmFuseProxyIT extends HelmReleaseEndToEnd {
    HelmFuseProxyIT() {
        super(Backend.FUSE_PROXY);
    }
}
