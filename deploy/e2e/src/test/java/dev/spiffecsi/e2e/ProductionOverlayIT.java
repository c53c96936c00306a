package dev.spiffecsi.e2e;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Order;

/** deploy/kubernetes/overlays/production (bindmount), deployed for real through its test overlay. */
@Order(1)
@DisplayName("production (bindmount)")
class ProductionOverlayIT extends OverlayEndToEnd {

    ProductionOverlayIT() {
        super(Backend.BINDMOUNT);
    }
}
