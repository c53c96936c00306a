package dev.spiffecsi.e2e;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;

@Order(6)
@DisplayName("helm release (symlink-dev)")
class HelmSymlinkDevIT extends HelmReleaseEndToEnd {
    HelmSymlinkDevIT() {
        super(Backend.SYMLINK_DEV);
    }
}
