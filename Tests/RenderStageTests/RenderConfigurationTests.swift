import Diffusion
import RenderStage
import Runtime
import Testing

/// LIENZO_* settings: defaults, values, and refusals that name the variable.
@Suite struct RenderConfigurationTests {
    @Test func precisionDefaultsToTheFastestAndAcceptsFloat32() throws {
        #expect(try RenderConfiguration(environment: Environment([:])).precision == ComputePrecision.fastest)
        #expect(try RenderConfiguration(environment: Environment(["LIENZO_PRECISION": "float32"])).precision == .float32)
    }

    @Test func anUnknownPrecisionIsRefusedByName() {
        #expect {
            _ = try RenderConfiguration(environment: Environment(["LIENZO_PRECISION": "fp8"]))
        } throws: { error in
            String(describing: error).contains("LIENZO_PRECISION must be float32 or bfloat16, not 'fp8'")
        }
    }

    @Test func bfloat16IsAcceptedExactlyWhereTheCPUHasIt() {
        let result = Result { try RenderConfiguration(environment: Environment(["LIENZO_PRECISION": "bfloat16"])) }
        switch result {
        case .success(let configuration):
            #expect(ComputePrecision.bfloat16IsSupported)
            #expect(configuration.precision == .bfloat16)
        case .failure(let error):
            #expect(!ComputePrecision.bfloat16IsSupported)
            #expect(String(describing: error).contains("AVX512-BF16"))
        }
    }
}
