package dev.spiffecsi.e2e.image;

import java.util.List;

/**
 * The names of the images the tier builds, as pods look them up: the three the test overlay pins (its
 * {@code images:}), and the sidecars' under the names the project's manifests use.
 *
 * @param driver          the production driver image (deploy/Dockerfile's)
 * @param devAgent        the dev agent, in place of SPIRE's agent
 * @param exampleWorkload the example workload (java-spiffe's client) with the in-pod SVID check
 * @param registrar       node-driver-registrar, from the rig's binary
 * @param livenessProbe   livenessprobe, from the rig's binary
 */
public record LocalImages(
        String driver, String devAgent, String exampleWorkload, String registrar, String livenessProbe) {

    public List<String> all() {
        return List.of(driver, devAgent, exampleWorkload, registrar, livenessProbe);
    }
}
