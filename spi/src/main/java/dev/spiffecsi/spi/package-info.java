/**
 * The backend service provider interface: what a volume backend implements ({@link dev.spiffecsi.spi.BackendProvider},
 * {@link dev.spiffecsi.spi.Backend}) and what the engine gives it ({@link dev.spiffecsi.spi.BackendConfig},
 * {@link dev.spiffecsi.spi.EngineContext}, the requests, {@link dev.spiffecsi.spi.ResolvedTarget}). It depends on
 * nothing but the JDK, so that a third-party backend compiles against this artifact alone; the README's "Writing a
 * third-party backend" shows a complete one ({@code deploy/example-backend}), and the {@code spi} test-jar holds the
 * contract test every backend passes ({@code dev.spiffecsi.spi.contract.BackendContractTest}).
 *
 * <h2>Stability</h2>
 *
 * <p>Every type here exists since 0.1 ({@code @since 0.1}). Until 1.0 the whole package is <em>experimental</em>, as
 * grpc-java's {@code LoadBalancerProvider} is: a minor (0.x) release may change it, and its release notes then say
 * how a backend adapts. Within that, not all of it is equally likely to move:
 * <ul>
 *   <li>What we mean to keep: discovery through {@link java.util.ServiceLoader} and
 *       {@code META-INF/services/dev.spiffecsi.spi.BackendProvider}; {@link dev.spiffecsi.spi.BackendProvider#name()}
 *       and {@link dev.spiffecsi.spi.BackendProvider#create}; the operations of {@link dev.spiffecsi.spi.Backend}
 *       and the meaning of the four {@link dev.spiffecsi.spi.TargetState}s; the
 *       {@link dev.spiffecsi.spi.BackendException.Failure} kinds; a backend's settings arriving as its own section of
 *       the configuration, with the defaults of its jar's {@code reference.conf}.</li>
 *   <li>What may grow: new operations of {@link dev.spiffecsi.spi.Backend} come as default methods and new getters
 *       of {@link dev.spiffecsi.spi.BackendConfig} likewise, so that a backend that compiles keeps compiling; the
 *       records the engine hands over ({@link dev.spiffecsi.spi.EngineContext},
 *       {@link dev.spiffecsi.spi.PublishRequest}, {@link dev.spiffecsi.spi.UnpublishRequest}) may gain components,
 *       keeping their older constructors where that is possible. Do not implement the interfaces the engine
 *       implements ({@link dev.spiffecsi.spi.BackendConfig}, {@link dev.spiffecsi.spi.MountSyscalls},
 *       {@link dev.spiffecsi.spi.ResolvedTarget}) outside tests.</li>
 *   <li>What is most likely to change: {@link dev.spiffecsi.spi.MountSyscalls}, a Linux system-call binding the
 *       engine provides rather than a contract a backend implements (see its documentation), and the contract test's
 *       fixture in the test-jar.</li>
 * </ul>
 *
 * <p>From 1.0 on, a change that breaks a backend compiled against this package waits for the next major version.
 *
 * @since 0.1
 */
package dev.spiffecsi.spi;
