package dev.spiffecsi.engine.csi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.spiffecsi.engine.csi.proto.IdentityGrpc;
import dev.spiffecsi.engine.csi.proto.NodeGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Which pool runs each CSI call: first what {@link CallRouting} classifies, then which thread the server really runs
 * each method on. That a control call is answered while every call thread is busy is {@link ProbeStarvationTest}'s.
 */
class CallRoutingTest {

    private static final Set<String> CONTROL_METHODS = Set.of(
            "csi.v1.Identity/GetPluginInfo",
            "csi.v1.Identity/GetPluginCapabilities",
            "csi.v1.Identity/Probe",
            "csi.v1.Node/NodeGetCapabilities",
            "csi.v1.Node/NodeGetInfo");
    private static final List<ServiceDescriptor> SERVICES =
            List.of(IdentityGrpc.getServiceDescriptor(), NodeGrpc.getServiceDescriptor());

    @Test
    void everyIdentityMethodAndNodeInfoAndCapabilitiesAreClassifiedControlEveryOtherNodeMethodVolume() {
        Set<String> control = new TreeSet<>();
        Set<String> volume = new TreeSet<>();
        for (ServiceDescriptor service : SERVICES) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                (CallRouting.isControl(method.getFullMethodName()) ? control : volume).add(method.getFullMethodName());
            }
        }
        assertEquals(CONTROL_METHODS, control);
        assertEquals(
                NodeGrpc.getServiceDescriptor().getMethods().stream()
                        .map(MethodDescriptor::getFullMethodName)
                        .filter(name -> !name.endsWith("/NodeGetCapabilities") && !name.endsWith("/NodeGetInfo"))
                        .collect(Collectors.toSet()),
                volume);
        assertEquals(true, volume.contains("csi.v1.Node/NodePublishVolume"));
    }

    /**
     * Every method of both services called through a {@link CsiSocketServer}, served by stand-ins that answer with the
     * name of the thread they run on: the control methods run on the control pool, every other on the call pool.
     */
    @Test
    void theServerRunsEveryControlMethodOnTheControlPoolAndEveryOtherOnTheCallPool() throws Exception {
        Path socket = Files.createTempDirectory("cr").resolve("csi.sock"); // Unix socket paths stay under 108 bytes
        List<ServerServiceDefinition> standIns =
                SERVICES.stream().map(CallRoutingTest::answeringWithThreadName).toList();
        EpollEventLoopGroup group = new EpollEventLoopGroup(1);
        Map<String, String> poolOf = new TreeMap<>();
        Map<String, String> expected = new TreeMap<>();
        try (CsiSocketServer server = CsiSocketServer.start(socket, standIns, Duration.ofSeconds(1))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .eventLoopGroup(group)
                    .channelType(EpollDomainSocketChannel.class)
                    .usePlaintext()
                    .build();
            try {
                for (ServiceDescriptor service : SERVICES) {
                    for (MethodDescriptor<?, ?> method : service.getMethods()) {
                        String name = method.getFullMethodName();
                        poolOf.put(name, pool(threadThatRan(channel, method)));
                        expected.put(name, CONTROL_METHODS.contains(name) ? "csi-control" : "csi-call");
                    }
                }
            } finally {
                channel.shutdownNow();
            }
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        assertEquals(expected, poolOf);
    }

    /** {@code service} with every method answering UNIMPLEMENTED, the description the name of the thread it ran on. */
    private static ServerServiceDefinition answeringWithThreadName(ServiceDescriptor service) {
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(service);
        for (MethodDescriptor<?, ?> method : service.getMethods()) {
            addThreadNameAnswer(builder, method);
        }
        return builder.build();
    }

    private static <Q, A> void addThreadNameAnswer(
            ServerServiceDefinition.Builder builder, MethodDescriptor<Q, A> method) {
        builder.addMethod(
                method,
                ServerCalls.asyncUnaryCall((request, response) -> response.onError(Status.UNIMPLEMENTED
                        .withDescription(Thread.currentThread().getName())
                        .asRuntimeException())));
    }

    /** Calls {@code method} with an empty message (a valid one of every proto3 type); the thread name it answers. */
    private static String threadThatRan(ManagedChannel channel, MethodDescriptor<?, ?> method) {
        MethodDescriptor<byte[], byte[]> raw = method.toBuilder(BYTES, BYTES).build();
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(
                        channel, raw, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[0]));
        assertEquals(
                Status.Code.UNIMPLEMENTED, e.getStatus().getCode(), method.getFullMethodName() + ": " + e.getStatus());
        return e.getStatus().getDescription();
    }

    /** {@code csi-call-3} → {@code csi-call}: the pool a thread belongs to. */
    private static String pool(String threadName) {
        return threadName.substring(0, threadName.lastIndexOf('-'));
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
}
