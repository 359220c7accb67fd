package io.ringfile;

/** The text, line and stream part of the contract suite ({@link FileEngineContract}). */
public abstract class TextContract extends ContractSupport {

    protected TextContract(FileEngine.Backend requested) {
        super(requested);
    }
}
