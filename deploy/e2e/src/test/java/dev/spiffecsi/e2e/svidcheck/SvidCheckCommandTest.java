package dev.spiffecsi.e2e.svidcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.spiffecsi.dev.agent.DevAgent;
import dev.spiffecsi.dev.agent.DevAgentSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code svid-check} against the dev agent: every check passes for the right identity, and fails for another. */
class SvidCheckCommandTest {

    @TempDir
    static Path directory;

    private static DevAgent agent;

    @BeforeAll
    static void startAgent() throws Exception {
        agent = DevAgent.start(DevAgentSettings.defaults(directory.resolve("agent.sock")));
    }

    @AfterAll
    static void stopAgent() {
        agent.close();
    }

    @Test
    void verifiesTheX509AndJwtSvidsAndValidatesTheTokenThroughTheWorkloadApi() {
        Run run = run("-expect-id", "spiffe://example.org/workload");
        assertEquals(0, run.exit(), run.out());
        List<String> lines = run.out().lines().toList();
        assertEquals(4, lines.size(), run.out());
        assertTrue(
                lines.get(0).startsWith("PASS x509-svid: spiffe://example.org/workload, chain of 1 verified"),
                lines.get(0));
        assertTrue(
                lines.get(1).startsWith("PASS jwt-svid: spiffe://example.org/workload, audience [spiffe-csi-e2e]"),
                lines.get(1));
        assertTrue(lines.get(2).startsWith("PASS validate-jwt-svid: ValidateJWTSVID accepted"), lines.get(2));
        assertTrue(lines.get(3).startsWith("PASS refuse-forged-jwt-svid: ValidateJWTSVID refused"), lines.get(3));
    }

    @Test
    void aForgedTokenDiffersFromTheRealOneInItsSignatureOnly() {
        String token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.AbCd";
        String forged = SvidChecks.forge(token);
        assertEquals("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.BbCd", forged);
        assertEquals("h.p.Bxyz", SvidChecks.forge("h.p.Axyz"));
    }

    @Test
    void failsWhenTheSvidsAreForAnotherIdentity() {
        Run run = run("-expect-id", "spiffe://example.org/someone-else");
        assertEquals(1, run.exit(), run.out());
        assertTrue(
                run.out()
                        .contains("FAIL x509-svid: issued to spiffe://example.org/workload, expected "
                                + "spiffe://example.org/someone-else"),
                run.out());
        assertTrue(run.out().contains("FAIL jwt-svid: issued to spiffe://example.org/workload"), run.out());
    }

    @Test
    void failsEveryCheckWithoutAnAgent() {
        Run run = new Run(new SvidCheckCommand(), List.of("-socket", "unix://" + directory.resolve("none.sock")));
        assertEquals(1, run.exit(), run.out());
        assertEquals(
                4, run.out().lines().filter(line -> line.startsWith("FAIL ")).count(), run.out());
    }

    private static Run run(String... flags) {
        List<String> args = new ArrayList<>(List.of("-socket", "unix://" + agent.socket()));
        args.addAll(List.of(flags));
        return new Run(new SvidCheckCommand(), args);
    }

    private record Run(int exit, String out) {
        Run(SvidCheckCommand command, List<String> args) {
            this(command, args, new ByteArrayOutputStream());
        }

        private Run(SvidCheckCommand command, List<String> args, ByteArrayOutputStream out) {
            this(
                    command.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), System.err),
                    out.toString(StandardCharsets.UTF_8));
        }
    }
}
