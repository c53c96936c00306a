package dev.spiffecsi.dev.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.spiffecsi.backend.fuseproxy.FuseProxyProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The development kit (main and test classes) uses the fuse-proxy backend only through what the backend exports on
 * purpose: {@code protocol} (the generated Workload API and Delegated Identity API, the security header, claims,
 * file layouts) and {@code peer} (peer credentials on a Unix socket), both marked so in their package-info; and
 * {@link FuseProxyProvider}, whose name is what a configuration names the backend by. Anything else of the backend
 * may change without a thought for the development kit.
 */
class ExportedFuseProxyApiTest {

    private static final String BACKEND = "dev.spiffecsi.backend.fuseproxy..";
    private static final String[] EXPORTED = {
        "dev.spiffecsi.backend.fuseproxy.protocol..", "dev.spiffecsi.backend.fuseproxy.peer"
    };

    private static JavaClasses devkit;
    private static JavaClasses backend;

    @BeforeAll
    static void importClasses() {
        devkit = new ClassFileImporter().importPackages("dev.spiffecsi.dev");
        backend = new ClassFileImporter().importPackages("dev.spiffecsi.backend.fuseproxy");
    }

    @Test
    void theRulesSeeTheDevelopmentKitAndItsTests() {
        for (String name : new String[] {
            "dev.spiffecsi.dev.agent.DelegatedIdentityService",
            "dev.spiffecsi.dev.simulatednode.fuseproxy.FuseProxyEndToEndTest"
        }) {
            assertTrue(devkit.contain(name), "the rule below must see " + name);
        }
        assertTrue(
                devkit.get("dev.spiffecsi.dev.agent.DelegatedIdentityService").getDirectDependenciesFromSelf().stream()
                        .anyMatch(d -> d.getTargetClass()
                                .getPackageName()
                                .startsWith("dev.spiffecsi.backend.fuseproxy.protocol")),
                "the dev agent serves the backend's generated Delegated Identity API");
    }

    @Test
    void theDevelopmentKitUsesOnlyWhatFuseProxyExports() {
        noClasses()
                .that()
                .resideInAPackage("dev.spiffecsi.dev..")
                .should()
                .dependOnClassesThat(resideInAPackage(BACKEND)
                        .and(not(resideInAnyPackage(EXPORTED)))
                        .and(not(belongToAnyOf(FuseProxyProvider.class))))
                .check(devkit);
    }

    /** What is exported stands alone: using it must not pull in the backend's internals. */
    @Test
    void theExportedPackagesDependOnNothingElseOfTheBackend() {
        classes()
                .that()
                .resideInAnyPackage(EXPORTED)
                .should()
                .onlyDependOnClassesThat(not(resideInAPackage(BACKEND)).or(resideInAnyPackage(EXPORTED)))
                .check(backend);
    }
}
