package dev.spiffecsi.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering the packages promise, checked on the main classes of every module (the development distribution
 * has them all on its class path): the SPI depends on the JDK only; backends depend on the SPI only; the engine
 * never knows a backend; only the CSI adapter touches gRPC and protobuf types; production code never knows the
 * development kit or the benchmarks; no package cycles.
 */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                // test-jars (the SPI contract, engine fixtures) are test code, whatever their location
                .withImportOption(location -> !location.contains("-tests.jar") && !location.contains("/test-classes/"))
                .importPackages("dev.spiffecsi");
    }

    @Test
    void everyModuleIsImported() {
        for (String pkg : new String[] {
            "dev.spiffecsi.spi",
            "dev.spiffecsi.config",
            "dev.spiffecsi.engine.volume",
            "dev.spiffecsi.backend.bindmount",
            "dev.spiffecsi.backend.symlinkdev",
            "dev.spiffecsi.backend.fuseproxy.fuse",
            "dev.spiffecsi.driver",
            "dev.spiffecsi.driver.cli",
            "dev.spiffecsi.dev.agent",
            "dev.spiffecsi.dev.kubelet",
            "dev.spiffecsi.bench"
        }) {
            assertTrue(
                    classes.stream().anyMatch(c -> c.getPackageName().equals(pkg)), "the rules below must see " + pkg);
        }
    }

    @Test
    void spiDependsOnTheJdkOnly() {
        classes()
                .that()
                .resideInAPackage("dev.spiffecsi.spi..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("java..", "dev.spiffecsi.spi..")
                .check(classes);
    }

    @Test
    void backendsDependOnTheSpiOnly() {
        noClasses()
                .that()
                .resideInAPackage("dev.spiffecsi.backend..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.spiffecsi.engine..",
                        "dev.spiffecsi.config..",
                        "dev.spiffecsi.driver..",
                        "dev.spiffecsi.dev..",
                        "dev.spiffecsi.bench..")
                .check(classes);
    }

    @Test
    void backendsDoNotKnowEachOther() {
        slices().matching("dev.spiffecsi.backend.(*)..")
                .should()
                .notDependOnEachOther()
                .check(classes);
    }

    @Test
    void theEngineNeverKnowsABackendNorTheCompositionRoot() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.spiffecsi.engine..", "dev.spiffecsi.config..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.spiffecsi.backend..",
                        "dev.spiffecsi.driver..",
                        "dev.spiffecsi.dev..",
                        "dev.spiffecsi.bench..")
                .check(classes);
    }

    @Test
    void productionCodeNeverKnowsTheDevelopmentKitNorTheBenchmarks() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.spiffecsi.spi..",
                        "dev.spiffecsi.config..",
                        "dev.spiffecsi.engine..",
                        "dev.spiffecsi.backend..",
                        "dev.spiffecsi.driver..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.spiffecsi.dev..", "dev.spiffecsi.bench..")
                .check(classes);
    }

    @Test
    void theDevelopmentKitKnowsNoBenchmark() {
        noClasses()
                .that()
                .resideInAPackage("dev.spiffecsi.dev..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.spiffecsi.bench..")
                .check(classes);
    }

    @Test
    void configKnowsNoEngine() {
        noClasses()
                .that()
                .resideInAPackage("dev.spiffecsi.config..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.spiffecsi.engine..")
                .check(classes);
    }

    @Test
    void onlyTheCsiAdapterTouchesGrpcAndProtobufInTheEngine() {
        noClasses()
                .that()
                .resideInAPackage("dev.spiffecsi.engine..")
                .and()
                .resideOutsideOfPackage("dev.spiffecsi.engine.csi..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.grpc..", "com.google.protobuf..")
                .check(classes);
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.spiffecsi.(*)..").should().beFreeOfCycles().check(classes);
        slices().matching("dev.spiffecsi.engine.(*)..")
                .should()
                .beFreeOfCycles()
                .check(classes);
        slices().matching("dev.spiffecsi.backend.(*).(*)..")
                .should()
                .beFreeOfCycles()
                .check(classes);
    }
}
