// Prints every OWL 2 DL profile violation of an ontology file, one per line,
// using the OWL API that ships inside owlready2's HermiT.jar.
// Usage: java -cp HermiT.jar:. DLProfileCheck FILE   (exit 0 = in profile)
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class DLProfileCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation v : report.getViolations()) {
            System.out.println(v.toString().replace('\n', ' '));
        }
        System.exit(report.isInProfile() ? 0 : 1);
    }
}
