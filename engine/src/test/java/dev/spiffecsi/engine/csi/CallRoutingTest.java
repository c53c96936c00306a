package dev.spiffecsi.engine.csi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import io.grpc.MethodDescriptor;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Which methods {@link CallRouting} classifies as control calls. That the server runs a control call on its own pool
 * while every call thread is busy is {@link ProbeStarvationTest}'s, through a real socket.
 */
class CallRoutingTest {

    @Test
    void everyIdentityMethodAndNodeInfoAndCapabilitiesAreClassifiedControlEveryOtherNodeMethodVolume() {
        Set<String> control = new TreeSet<>();
        Set<String> volume = new TreeSet<>();
        for (var service : java.util.List.of(IdentityGrpc.getServiceDescriptor(), NodeGrpc.getServiceDescriptor())) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                (CallRouting.isControl(method.getFullMethodName()) ? control : volume).add(method.getFullMethodName());
            }
        }
        assertEquals(Set.of("csi.v1.Identity/GetPluginInfo", "csi.v1.Identity/GetPluginCapabilities",
                "csi.v1.Identity/Probe", "csi.v1.Node/NodeGetCapabilities", "csi.v1.Node/NodeGetInfo"), control);
        assertEquals(NodeGrpc.getServiceDescriptor().getMethods().stream().map(MethodDescriptor::getFullMethodName)
                .filter(name -> !name.endsWith("/NodeGetCapabilities") && !name.endsWith("/NodeGetInfo"))
                .collect(Collectors.toSet()), volume);
        assertEquals(true, volume.contains("csi.v1.Node/NodePublishVolume"));
    }
}
