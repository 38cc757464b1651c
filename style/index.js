import './base.css';
import './remotes.css';
